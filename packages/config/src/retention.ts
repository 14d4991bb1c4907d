import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import type { RetentionConfigFile, RetentionPeriod, RetentionRule, RetentionSchedule } from './generated/retention.ts';

export type { RetentionConfigFile, RetentionPeriod, RetentionRule, RetentionSchedule };
export type RetentionRecordClass = RetentionRule['class'];

/** The retention schedule as the hub uses it: checked, defaults applied, and where it came from. */
export interface RetentionConfig {
  /** The file it was read from (relative to the working directory when inside it). */
  file: string;
  schedule: Required<RetentionSchedule>;
  rules: readonly RetentionRule[];
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The schedule checked in with the hub, used when the config directory has no retention.yaml. */
export const DEFAULT_RETENTION_FILE = path.join(repoRoot, 'config', 'retention.yaml');
const schemaPath = path.join(repoRoot, 'schemas', 'config', 'retention.v1.json');

/** Classes whose records the hub erases; ledger and audit rows are reported, never deleted. */
export const ERASABLE_CLASSES: readonly RetentionRecordClass[] = ['referral', 'inbound-message', 'family-feedback'];
/** Erasable classes whose rules may name message types (family feedback has one rule for every answer). */
const TYPED_CLASSES: readonly RetentionRecordClass[] = ['referral', 'inbound-message'];
const ALLOWED_FROM: Record<RetentionRecordClass, readonly RetentionPeriod['from'][]> = {
  referral: ['youngest-child-birth', 'received'],
  'inbound-message': ['received'],
  'family-feedback': ['submitted'],
  ledger: ['recorded'],
  audit: ['recorded'],
};
const CRON_FIELD = /^[A-Za-z0-9*,/-]+$/;

let compiled: ReturnType<Ajv2020['compile']> | undefined;
function retentionValidator(): ReturnType<Ajv2020['compile']> {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    compiled = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
  }
  return compiled;
}

const EMPTY: RetentionConfig = { file: '', schedule: { enabled: false, cron: '30 2 * * *', timezone: 'Europe/London', action: 'dry-run' }, rules: [] };

/**
 * Reads `retention.yaml` from the config directory (or, when it has none, the hub's default
 * config/retention.yaml), validates it against schemas/config/retention.v1.json and checks what a
 * schema cannot: unique ids, one default rule per erasable class (last of its class), the periods
 * each class may use, a fallback exactly where a child's birth date is the anchor, message types
 * that some partner sends. Every problem is pushed to `problems`, each naming its place.
 */
export function loadRetentionConfig(configDir: string, problems: string[], opts: { messageTypes?: ReadonlySet<string> } = {}): RetentionConfig {
  const local = path.join(configDir, 'retention.yaml');
  const file = existsSync(local) ? local : DEFAULT_RETENTION_FILE;
  const label = path.relative(process.cwd(), file) || file;
  if (!existsSync(file)) {
    problems.push(`${label}: file not found (put a retention.yaml in HUB_CONFIG_DIR)`);
    return { ...EMPTY, file: label };
  }
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    problems.push(`${label}: not valid YAML (${(err as Error).message.split('\n')[0]})`);
    return { ...EMPTY, file: label };
  }
  const validate = retentionValidator();
  if (!validate(doc)) {
    for (const e of validate.errors ?? []) {
      const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : '';
      problems.push(`${label} ${e.instancePath || '/'}: ${e.message ?? 'is invalid'}${extra}`);
    }
    return { ...EMPTY, file: label };
  }
  const parsed = doc as RetentionConfigFile;
  const before = problems.length;
  checkSchedule(parsed.schedule, label, problems);
  checkRules(parsed.rules, label, problems, opts.messageTypes);
  if (problems.length > before) return { ...EMPTY, file: label };
  return {
    file: label,
    schedule: { enabled: parsed.schedule.enabled ?? true, cron: parsed.schedule.cron, timezone: parsed.schedule.timezone ?? 'Europe/London', action: parsed.schedule.action },
    rules: parsed.rules,
  };
}

function checkSchedule(schedule: RetentionSchedule, label: string, problems: string[]): void {
  schedule.cron.split(' ').forEach((field, i) => {
    if (!CRON_FIELD.test(field)) problems.push(`${label} /schedule/cron: field ${i + 1} is not a cron field`);
  });
  if (schedule.timezone !== undefined) {
    try {
      new Intl.DateTimeFormat('en-GB', { timeZone: schedule.timezone });
    } catch {
      problems.push(`${label} /schedule/timezone: not a time zone this runtime knows`);
    }
  }
}

function checkRules(rules: readonly RetentionRule[], label: string, problems: string[], messageTypes: ReadonlySet<string> | undefined): void {
  const ids = new Map<string, number>();
  const defaults = new Map<RetentionRecordClass, number>();
  rules.forEach((rule, i) => {
    const at = `${label} /rules/${i}`;
    const seen = ids.get(rule.id);
    if (seen !== undefined) problems.push(`${at}/id: "${rule.id}" is also the id of /rules/${seen}`);
    else ids.set(rule.id, i);

    const erasable = ERASABLE_CLASSES.includes(rule.class);
    if (!ALLOWED_FROM[rule.class].includes(rule.keep.from)) {
      problems.push(`${at}/keep/from: a ${rule.class} rule counts from ${ALLOWED_FROM[rule.class].join(' or ')}`);
    }
    if (rule.keep.from === 'youngest-child-birth' && rule.fallback === undefined) {
      problems.push(`${at}/fallback: required when keep.from is youngest-child-birth (for records with no child's date of birth)`);
    }
    if (rule.fallback !== undefined && rule.keep.from !== 'youngest-child-birth') problems.push(`${at}/fallback: only a youngest-child-birth rule has a fallback`);
    if (rule.fallback !== undefined && rule.fallback.from !== 'received') problems.push(`${at}/fallback/from: a fallback counts from received`);
    if (rule.sourceTypes !== undefined && !TYPED_CLASSES.includes(rule.class)) problems.push(`${at}/sourceTypes: a ${rule.class} rule covers every ${erasable ? 'record' : 'row'} of its class`);
    if (rule.sourceTypes !== undefined && messageTypes) {
      rule.sourceTypes.forEach((type, j) => {
        if (!messageTypes.has(type)) problems.push(`${at}/sourceTypes/${j}: no partner sends the message type "${type}"`);
      });
    }

    const earlierDefault = defaults.get(rule.class);
    if (earlierDefault !== undefined) {
      problems.push(
        `${at}: never applies — /rules/${earlierDefault} already covers every ${rule.class}${TYPED_CLASSES.includes(rule.class) ? ' (the rule without sourceTypes must be the last of its class)' : erasable ? ' (one rule for the class)' : ' (one rule per report-only class)'}`,
      );
    } else if (rule.sourceTypes === undefined) {
      defaults.set(rule.class, i);
    }
  });
  for (const cls of ERASABLE_CLASSES) {
    if (!defaults.has(cls)) problems.push(`${label} /rules: no default ${cls} rule (one without sourceTypes, last of its class), so some records would be kept for ever`);
  }
}

/** The rule a record of this class and message type falls under (the first that names its type, else the default). */
export function retentionRuleFor(config: Pick<RetentionConfig, 'rules'>, recordClass: RetentionRecordClass, type?: string): RetentionRule | undefined {
  return config.rules.find((rule) => rule.class === recordClass && (rule.sourceTypes === undefined || (type !== undefined && rule.sourceTypes.includes(type))));
}
