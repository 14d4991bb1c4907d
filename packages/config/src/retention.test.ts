import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadRetentionConfig, retentionRuleFor } from './index.ts';

const DEMO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../config/demo');

/** The demo config with this retention.yaml beside it. */
function demoWith(retentionYaml: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hub-retention-'));
  cpSync(DEMO_DIR, dir, { recursive: true });
  writeFileSync(path.join(dir, 'retention.yaml'), retentionYaml);
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

describe('retention config', () => {
  it('loads the default schedule: family records to the youngest child’s 25th birthday, ledger and audit their own periods', () => {
    const { retention } = loadConfig({});
    expect(retention.file).toMatch(/config\/retention\.yaml$/);
    expect(retention.schedule).toEqual({ enabled: true, cron: '30 2 * * *', timezone: 'Europe/London', action: 'erase' });
    expect(retentionRuleFor(retention, 'referral', 'police.domestic-abuse.notified')).toMatchObject({ id: 'family-records', keep: { from: 'youngest-child-birth', years: 25 }, fallback: { from: 'received', years: 25 } });
    expect(retentionRuleFor(retention, 'inbound-message', 'referral.accepted')?.id).toBe('unrouted-messages');
    expect(retentionRuleFor(retention, 'ledger')?.keep.from).toBe('recorded');
    expect(retentionRuleFor(retention, 'audit')?.keep.from).toBe('recorded');
    expect(retentionRuleFor(retention, 'family-feedback')).toMatchObject({ id: 'family-feedback', keep: { from: 'submitted', years: 2 } });
  });

  it('prefers retention.yaml in the config directory, and the first rule that names the type', () => {
    const dir = demoWith(`version: 1
schedule: { cron: "0 3 * * 1", action: dry-run }
rules:
  - { id: youth-justice, class: referral, sourceTypes: [justice.youth-justice.notified], keep: { from: received, years: 6 }, description: d }
  - { id: families, class: referral, keep: { from: youngest-child-birth, years: 25 }, fallback: { from: received, years: 25 }, description: d }
  - { id: messages, class: inbound-message, keep: { from: received, years: 2 }, description: d }
  - { id: feedback, class: family-feedback, keep: { from: submitted, years: 1 }, description: d }
`);
    const { retention } = loadConfig({ HUB_CONFIG_DIR: dir });
    expect(retention.schedule).toEqual({ enabled: true, cron: '0 3 * * 1', timezone: 'Europe/London', action: 'dry-run' });
    expect(retentionRuleFor(retention, 'referral', 'justice.youth-justice.notified')?.id).toBe('youth-justice');
    expect(retentionRuleFor(retention, 'referral', 'police.domestic-abuse.notified')?.id).toBe('families');
    expect(retentionRuleFor(retention, 'ledger')).toBeUndefined();
  });

  it('lists every problem at once, each with its place', () => {
    const dir = demoWith(`version: 1
schedule: { cron: "30 2 * * *", timezone: Mars/Olympus, action: erase }
rules:
  - { id: families, class: referral, keep: { from: youngest-child-birth, years: 25 }, description: d }
  - { id: families, class: referral, sourceTypes: [no.such-type], keep: { from: received, years: 6 }, description: d }
  - { id: ledger, class: ledger, sourceTypes: [vcs.referral.submitted], keep: { from: received, years: 6 }, description: d }
`);
    const problems = problemsOf({ HUB_CONFIG_DIR: dir });
    const label = path.relative(process.cwd(), path.join(dir, 'retention.yaml'));
    expect(problems).toEqual(
      expect.arrayContaining([
        `${label} /schedule/timezone: not a time zone this runtime knows`,
        `${label} /rules/0/fallback: required when keep.from is youngest-child-birth (for records with no child's date of birth)`,
        `${label} /rules/1/id: "families" is also the id of /rules/0`,
        `${label} /rules/1/sourceTypes/0: no partner sends the message type "no.such-type"`,
        expect.stringContaining(`${label} /rules/1: never applies — /rules/0 already covers every referral`),
        `${label} /rules/2/keep/from: a ledger rule counts from recorded`,
        `${label} /rules/2/sourceTypes: a ledger rule covers every row of its class`,
        expect.stringContaining(`${label} /rules: no default inbound-message rule`),
      ]),
    );
    expect(problems.filter((p) => p.includes('retention.yaml'))).toHaveLength(9);
  });

  it('needs one family-feedback rule, counted from submission, naming no message types', () => {
    const base = `version: 1
schedule: { cron: "30 2 * * *", action: erase }
rules:
  - { id: families, class: referral, keep: { from: youngest-child-birth, years: 25 }, fallback: { from: received, years: 25 }, description: d }
  - { id: messages, class: inbound-message, keep: { from: received, years: 6 }, description: d }
`;
    const label = (dir: string): string => path.relative(process.cwd(), path.join(dir, 'retention.yaml'));
    const missing = demoWith(base);
    expect(problemsOf({ HUB_CONFIG_DIR: missing })).toEqual([expect.stringContaining(`${label(missing)} /rules: no default family-feedback rule`)]);
    const wrong = demoWith(`${base}  - { id: feedback, class: family-feedback, sourceTypes: [vcs.referral.submitted], keep: { from: received, years: 2 }, description: d }
  - { id: feedback-2, class: family-feedback, keep: { from: submitted, years: 3 }, description: d }
`);
    expect(problemsOf({ HUB_CONFIG_DIR: wrong })).toEqual([
      `${label(wrong)} /rules/2/keep/from: a family-feedback rule counts from submitted`,
      `${label(wrong)} /rules/2/sourceTypes: a family-feedback rule covers every record of its class`,
    ]);
    const twice = demoWith(`${base}  - { id: feedback, class: family-feedback, keep: { from: submitted, years: 2 }, description: d }
  - { id: feedback-2, class: family-feedback, keep: { from: submitted, years: 3 }, description: d }
`);
    expect(problemsOf({ HUB_CONFIG_DIR: twice })).toEqual([`${label(twice)} /rules/3: never applies — /rules/2 already covers every family-feedback (one rule for the class)`]);
  });

  it('reports schema violations by JSON pointer', () => {
    const problems: string[] = [];
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hub-retention-'));
    writeFileSync(path.join(dir, 'retention.yaml'), 'version: 2\nschedule: { cron: "every day", action: purge }\nrules: []\nextra: 1\n');
    loadRetentionConfig(dir, problems);
    expect(problems.join('\n')).toMatch(/\/version: must be equal to constant/);
    expect(problems.join('\n')).toMatch(/\/schedule\/cron: must match pattern/);
    expect(problems.join('\n')).toMatch(/\/schedule\/action: must be equal to one of the allowed values/);
    expect(problems.join('\n')).toMatch(/\/rules: must NOT have fewer than 1 items/);
    expect(problems.join('\n')).toMatch(/\/: must NOT have additional properties \(extra\)/);
  });

  it('reports a file that is not YAML', () => {
    const problems: string[] = [];
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hub-retention-'));
    writeFileSync(path.join(dir, 'retention.yaml'), 'rules: [unclosed\n');
    loadRetentionConfig(dir, problems);
    expect(problems).toEqual([expect.stringMatching(/retention\.yaml: not valid YAML/)]);
  });
});
