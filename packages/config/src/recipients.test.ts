import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, resolvePlaceholders } from './index.ts';

const DEMO = path.resolve(import.meta.dirname, '../../../config/demo');
const SHARING_FILES = ['sharing-rules.yaml', 'agreements.yaml', 'school-calendar.yaml'];
const SECRET = 'whsec_' + Buffer.alloc(32, 5).toString('base64');

function dirWith(partnersYaml: string, sharing: boolean | Record<string, string> = false): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hub-recipients-'));
  writeFileSync(path.join(dir, 'partners.yaml'), partnersYaml);
  if (sharing) {
    for (const f of SHARING_FILES) {
      const replaced = typeof sharing === 'object' ? sharing[f] : undefined;
      if (replaced !== undefined) writeFileSync(path.join(dir, f), replaced);
      else copyFileSync(path.join(DEMO, f), path.join(dir, f));
    }
  }
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

/** One recipient partner, with the delivery block given as YAML lines. */
function recipient(delivery: string, extra = ''): string {
  return `partners:
  - id: test-recipient
    organisationType: housing
    displayName: Test Recipient
    secrets: [{ value: "${SECRET}" }]
    messageTypes: [referral.acknowledged]
    rateLimit: { requestsPerMinute: 60 }
${extra}    delivery:
${delivery}`;
}

describe('the demo registry as recipients', () => {
  const config = loadConfig({});
  const all = config.partners.all();

  it('has a deliverable partner of every recipient type in DESIGN.md §2, plus the national evaluation', () => {
    for (const type of ['education', 'social-care', 'gp', 'health-visiting', 'counselling', 'housing', 'jobcentre', 'financial-advice', 'police', 'victim-support', 'youth-justice', 'voluntary-community']) {
      expect(all.some((p) => p.organisationType === type && p.delivery), type).toBe(true);
    }
    const ons = config.partners.get('ons-national-evaluation');
    expect(ons?.organisationType).toBe('national-evaluation');
    expect(ons?.delivery).toBeUndefined();
  });

  it('matches the inbound fixtures: school URNs, the GP practice, the health visitors area', () => {
    const byUrn = (urn: string): string | undefined => all.find((p) => p.identifiers.schoolUrn === urn)?.id;
    expect(byUrn('105432')).toBe('st-marys-primary');
    expect(byUrn('105433')).toBe('oakfield-primary');
    expect(byUrn('105434')).toBe('brookside-primary');
    expect(config.partners.get('ardwick-medical-practice')?.identifiers.odsCode).toBe('P84999');
    expect(config.partners.get('mft-health-visiting')?.areas).toContain('M16');
  });

  it('resolves delivery endpoints to the local simulators, with the channel each type uses', () => {
    expect(config.partners.get('gmp')?.delivery).toMatchObject({ channel: 'webhook', url: 'http://127.0.0.1:4010/partners/gmp', localTestEndpoint: true, timeoutMs: 10_000 });
    const gmp = config.partners.get('gmp')?.delivery;
    expect(gmp?.channel === 'webhook' && gmp.secret.startsWith('whsec_')).toBe(true);
    expect(gmp?.channel === 'webhook' && config.partners.get('gmp')?.secrets.includes(gmp.secret)).toBe(false);
    for (const id of ['ardwick-medical-practice', 'mft-health-visiting']) expect(config.partners.get(id)?.delivery).toMatchObject({ channel: 'fhir', url: `http://127.0.0.1:4011/fhir/${id}` });
    for (const id of ['manchester-childrens-social-care', 'manchester-family-counselling']) {
      expect(config.partners.get(id)?.delivery).toMatchObject({ channel: 'email', email: { smtpUrl: 'smtp://127.0.0.1:4025', localTestServer: true, requireTls: false } });
    }
    expect(config.sharing.rules.length).toBeGreaterThan(0);
    expect(config.sharing.agreements.get('manchester-childrens-social-care', 'safeguarding-triage')).toBeDefined();
  });

  it('takes simulator URLs from the environment when set', () => {
    const { partners } = loadConfig({ SIMULATOR_WEBHOOK_BASE_URL: 'http://127.0.0.1:54321', SIMULATOR_FHIR_BASE_URL: 'http://127.0.0.1:54322/r4', SIMULATOR_SMTP_URL: 'smtp://127.0.0.1:54323' });
    expect(partners.get('st-marys-primary')?.delivery).toMatchObject({ url: 'http://127.0.0.1:54321/partners/st-marys-primary' });
    expect(partners.get('ardwick-medical-practice')?.delivery).toMatchObject({ url: 'http://127.0.0.1:54322/r4/ardwick-medical-practice' });
    expect(partners.get('manchester-childrens-social-care')?.delivery).toMatchObject({ email: { smtpUrl: 'smtp://127.0.0.1:54323' } });
  });
});

describe('delivery validation', () => {
  it('lists a webhook with no secret and an http URL without localTestEndpoint', () => {
    const text = problemsOf({ HUB_CONFIG_DIR: dirWith(recipient('      channel: webhook\n      url: "http://partner.example.org/hook"\n')) }).join('\n');
    expect(text).toMatch(/\/partners\/0\/delivery: the webhook channel needs a secret/);
    expect(text).toMatch(/\/partners\/0\/delivery\/url: must be https \(http is allowed only with localTestEndpoint: true/);
  });

  it('lists an unset placeholder, a bad URL and a wrong channel block', () => {
    let text = problemsOf({ HUB_CONFIG_DIR: dirWith(recipient(`      channel: fhir\n      url: "\${PARTNER_FHIR_URL}/fhir"\n      email: { to: "a@example.org", smtpUrl: "smtp://x" }\n`)) }).join('\n');
    expect(text).toMatch(/delivery\/url: environment variable PARTNER_FHIR_URL is not set and the placeholder has no default/);
    expect(text).toMatch(/delivery\/email: only used by the email channel/);
    text = problemsOf({ HUB_CONFIG_DIR: dirWith(recipient('      channel: email\n      url: "https://x.example.org"\n')) }).join('\n');
    expect(text).toMatch(/delivery\/url: not used by the email channel/);
    expect(text).toMatch(/delivery: the email channel needs an email block/);
    text = problemsOf({ HUB_CONFIG_DIR: dirWith(recipient('      channel: email\n      email: { to: "a@example.org", smtpUrl: "http://mail.example.org" }\n')) }).join('\n');
    expect(text).toMatch(/delivery\/email\/smtpUrl: must be smtp:\/\/ \(STARTTLS\) or smtps:\/\//);
    text = problemsOf({ HUB_CONFIG_DIR: dirWith(recipient(`      channel: webhook\n      url: "not a url"\n      secret: { value: "${SECRET}" }\n`)) }).join('\n');
    expect(text).toMatch(/delivery\/url: not a valid URL/);
    text = problemsOf({ HUB_CONFIG_DIR: dirWith(recipient('      channel: fhir\n      url: "https://x.example.org"\n', '    areas: [m14]\n')) }).join('\n');
    expect(text).toMatch(/\/partners\/0\/areas\/0: must match pattern/);
  });

  it('requires TLS for email unless it is a local test server, and resolves env secrets', () => {
    const outbound = 'whsec_' + Buffer.alloc(32, 6).toString('base64');
    const { partners } = loadConfig({
      HUB_CONFIG_DIR: dirWith(
        recipient('      channel: webhook\n      url: "https://partner.example.org/hook"\n      secret: { env: TEST_OUTBOUND_SECRET }\n      timeoutMs: 5000\n').replace('  - id: test-recipient', `  - id: mailbox
    organisationType: social-care
    displayName: Mailbox
    secrets: [{ value: "${'whsec_' + Buffer.alloc(32, 8).toString('base64')}" }]
    messageTypes: [referral.acknowledged]
    rateLimit: { requestsPerMinute: 60 }
    delivery:
      channel: email
      email: { to: "mash@example.org", smtpUrl: "smtp://mail.example.org:587" }
  - id: test-recipient`),
      ),
      TEST_OUTBOUND_SECRET: outbound,
    });
    expect(partners.get('test-recipient')?.delivery).toEqual({ channel: 'webhook', url: 'https://partner.example.org/hook', localTestEndpoint: false, secret: outbound, timeoutMs: 5000 });
    expect(partners.get('test-recipient')?.areas).toEqual([]);
    expect(partners.get('mailbox')?.delivery).toMatchObject({ channel: 'email', email: { requireTls: true, localTestServer: false } });
  });

  it('refuses local test endpoints and inline delivery secrets in production, without printing a secret', () => {
    const text = problemsOf({ HUB_CONFIG_DIR: dirWith(recipient(`      channel: webhook\n      url: "http://127.0.0.1:4010/x"\n      localTestEndpoint: true\n      secret: { value: "${SECRET}" }\n`)), HUB_MODE: 'production' }).join('\n');
    expect(text).toMatch(/delivery\/localTestEndpoint: local test endpoints are refused in production/);
    expect(text).toMatch(/delivery\/secret: inline secrets are refused in production/);
    expect(text).not.toContain(SECRET);
  });

  it('resolves placeholders with defaults and reports malformed ones', () => {
    const problems: string[] = [];
    expect(resolvePlaceholders('${A:-http://x}/y', {}, 'w', problems)).toBe('http://x/y');
    expect(resolvePlaceholders('${A:-http://x}/y', { A: 'https://z' }, 'w', problems)).toBe('https://z/y');
    expect(resolvePlaceholders('${A:-http://x}/y', { A: '' }, 'w', problems)).toBe('http://x/y');
    expect(problems).toEqual([]);
    expect(resolvePlaceholders('${lower}', {}, 'w', problems)).toBeUndefined();
    expect(problems.join()).toMatch(/a placeholder must be/);
  });
});

describe('loadConfig with sharing config', () => {
  it('refuses an invalid demo sharing config, listing the problem', () => {
    const agreements = readFileSync(path.join(DEMO, 'agreements.yaml'), 'utf8').replace('      - employment.goal\n', '      - employment.goal\n      - people[role=parent].religion\n');
    const dir = dirWith(readFileSync(path.join(DEMO, 'partners.yaml'), 'utf8'), { 'agreements.yaml': agreements });
    const text = problemsOf({ HUB_CONFIG_DIR: dir }).join('\n');
    expect(text).toMatch(/agreements\.yaml \/agreements\/\d+\/fields\/\d+: "people\[role=parent\]\.religion" is special-category data/);
  });

  it('does not bury a broken registry under one "no such partner" per rule', () => {
    const dir = dirWith('partners: not-a-list\n', true);
    const problems = problemsOf({ HUB_CONFIG_DIR: dir });
    expect(problems.join('\n')).toMatch(/partners\.yaml \/partners: must be array/);
    expect(problems.join('\n')).not.toMatch(/no partner|has no agreement/);
  });

  it('gives an empty sharing config (everything held) for a folder with only partners.yaml', () => {
    const dir = dirWith(readFileSync(path.join(DEMO, 'partners.yaml'), 'utf8'));
    const { sharing } = loadConfig({ HUB_CONFIG_DIR: dir });
    expect(sharing.rules).toEqual([]);
    expect(sharing.files).toEqual({ rules: false, agreements: false, calendar: false });
  });
});
