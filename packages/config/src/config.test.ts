import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.ts';

function tempConfig(yaml: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hub-config-'));
  writeFileSync(path.join(dir, 'partners.yaml'), yaml);
  return dir;
}

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected loadConfig to refuse');
}

describe('loadConfig', () => {
  it('loads the demo registry with every source organisation type from DESIGN.md §2', () => {
    const { settings, partners } = loadConfig({});
    expect(settings.mode).toBe('demo');
    expect(settings.gatewayPort).toBe(8080);
    expect(settings.bodyLimitBytes).toBe(262144);
    expect(settings.signatureToleranceSeconds).toBe(300);
    expect(settings.allowTestNhsNumbers).toBe(true);
    expect(settings.demoMasterKey).toBe(true);
    const types = new Set(partners.all().map((p) => p.organisationType));
    for (const t of ['family', 'police', 'education', 'gp', 'health-visiting', 'housing', 'jobcentre', 'victim-support', 'youth-justice', 'probation', 'social-care', 'voluntary-community']) {
      expect(types, t).toContain(t);
    }
    expect(partners.get('gmp')?.secrets).toHaveLength(2);
    expect(partners.get('gmp')?.messageTypes.has('police.domestic-abuse.notified')).toBe(true);
  });

  it('lists every problem at once and never prints a secret', () => {
    const secret = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
    const dir = tempConfig(`partners:
  - id: Bad_Id
    organisationType: wizard
    displayName: x
    secrets: [{ value: "${secret}" }]
    messageTypes: [no.such.type]
    rateLimit: { requestsPerMinute: 0 }
`);
    const problems = problemsOf({ HUB_CONFIG_DIR: dir, GATEWAY_PORT: 'eighty', HUB_MODE: 'test', LOG_LEVEL: 'loud' });
    const text = problems.join('\n');
    expect(text).toMatch(/GATEWAY_PORT/);
    expect(text).toMatch(/HUB_MODE/);
    expect(text).toMatch(/LOG_LEVEL/);
    expect(text).toMatch(/\/partners\/0\/id/);
    expect(text).toMatch(/\/partners\/0\/organisationType/);
    expect(text).toMatch(/\/partners\/0\/messageTypes\/0/);
    expect(text).toMatch(/\/partners\/0\/rateLimit\/requestsPerMinute/);
    expect(text).not.toContain(secret);
  });

  it('refuses inline secrets, missing env secrets and a missing master key in production', () => {
    const demo = readFileSync(path.resolve(import.meta.dirname, '../../../config/demo/partners.yaml'), 'utf8');
    const dir = tempConfig(demo.replace(/- value: "whsec_[^"]+"/, '- env: GMP_SECRET_MISSING'));
    const problems = problemsOf({ HUB_CONFIG_DIR: dir, HUB_MODE: 'production' });
    const text = problems.join('\n');
    expect(text).toMatch(/HUB_MASTER_KEYS is required/);
    expect(text).toMatch(/inline secrets are refused in production/);
    expect(text).toMatch(/GMP_SECRET_MISSING is not set/);
    expect(text).not.toMatch(/whsec_/);
  });

  it('resolves env secrets and parses a rotating keyring', () => {
    const secret = 'whsec_' + Buffer.alloc(32, 9).toString('base64');
    const dir = tempConfig(`partners:
  - id: test-school
    organisationType: education
    displayName: Test School
    identifiers: { schoolUrn: "123456" }
    secrets: [{ env: SCHOOL_SECRET }]
    messageTypes: [education.early-help.requested]
    rateLimit: { requestsPerMinute: 60 }
`);
    const k1 = Buffer.alloc(32, 1).toString('base64');
    const k0 = Buffer.alloc(32, 2).toString('base64');
    const { settings, partners } = loadConfig({ HUB_CONFIG_DIR: dir, HUB_MODE: 'production', SCHOOL_SECRET: secret, HUB_MASTER_KEYS: `k1:${k1},k0:${k0}` });
    expect(partners.get('test-school')?.secrets).toEqual([secret]);
    expect(partners.get('test-school')?.rateLimit).toEqual({ requestsPerMinute: 60, burst: 6 });
    expect(settings.keyring.activeKeyId).toBe('k1');
    expect(Object.keys(settings.keyring.keys)).toEqual(['k1', 'k0']);
    expect(settings.allowTestNhsNumbers).toBe(false);
  });

  it('rejects a malformed keyring without quoting it', () => {
    const problems = problemsOf({ HUB_MASTER_KEYS: 'k1:c2hvcnQ=' });
    expect(problems.join('\n')).toMatch(/HUB_MASTER_KEYS key "k1" must be 32 bytes/);
    expect(problems.join('\n')).not.toContain('c2hvcnQ=');
  });

  it('refuses a tolerance wider than the Standard Webhooks window', () => {
    expect(problemsOf({ HUB_SIGNATURE_TOLERANCE_S: '600' }).join('\n')).toMatch(/HUB_SIGNATURE_TOLERANCE_S must be between 1 and 300/);
  });
});
