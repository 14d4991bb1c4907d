// `pnpm hub retention …`, `pnpm hub erase …`, `pnpm hub legal-hold …`: retention runs, erasure by
// key destruction and legal holds from an operator's terminal (docs/data-protection.md "Erasure",
// "Legal holds", "Retention"). Everything is recorded in the audit trail with the operator as the
// actor (role `cli`); output is ids, codes and counts, never personal data.
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfigOrExit, type HubConfig } from '@hub/config';
import { carryOutRetentionRun, isCalendarDate, londonDate, type RetentionProgress, type RetentionReport } from '@hub/retention';
import { ERASURE_REASON_CODES, NotFoundError, openMigratedStore, type ErasureReasonCode, type ErasureResult, type Store } from '@hub/store';

export const RETENTION_USAGE = `Usage:
  pnpm hub retention dry-run [--as-of YYYY-MM-DD] [--json]
  pnpm hub retention run --confirm [--as-of YYYY-MM-DD] [--operator <id>]
  pnpm hub erase referral <referralId>… --reason <code> [--note "<text>"] [--operator <id>]
  pnpm hub erase person <hubPersonId> --reason <code> [--confirm] [--operator <id>]
  pnpm hub erase feedback <feedbackId>… --reason <code> [--note "<text>"] [--operator <id>]
  pnpm hub erase list [--limit 100] [--json]
  pnpm hub legal-hold place (--referral <id> | --person <hubPersonId>) --reason "<case reference>" [--operator <id>]
  pnpm hub legal-hold release <holdId> --reason "<text>" [--operator <id>]
  pnpm hub legal-hold list [--all]
  (every command also takes --schema <name>)

retention dry-run lists what is past its retention period (config: retention.yaml) as of a date
(default today, London), by record class and rule with the reason, and what legal holds keep. It
changes nothing; the report is kept (console: /retention) and the run is in the audit trail.

retention run --confirm erases, by destroying their data keys, exactly what a dry run as of that
date lists, except what legal holds keep, with a tombstone, an audit row and a ledger row per
record. It cannot look ahead: --as-of may not be after today. Progress goes to stderr.

erase referral destroys the data keys of the given referrals: their canonical form, every payload
and their inbound message can no longer be decrypted, wherever the ciphertext is (a database
backup taken earlier holds its own copy of the key until it expires: see docs/data-protection.md,
"Erasure"). Refused for any referral under a legal hold. Reason codes:
${ERASURE_REASON_CODES.filter((c) => c !== 'retention-period-ended').join(', ')}.

erase person lists the referrals a hub person appears in; with --confirm it erases all of them.
A referral is one family's record: erasing it erases it for everyone in it.

erase feedback erases families' feedback answers (ids from the person's subject access export):
their comments' data keys are destroyed and the person unlinked; the ratings stay, anonymous, in
the feedback statistics. A legal hold on the person refuses it.
erase list prints the tombstones (erased record ids, when, why, by whom), newest first: keep a
copy outside the database, to erase again anything a restored backup brings back.

Reads DATABASE_URL (or the embedded database under HUB_DATA_DIR: stop the hub first) and the
master keys (HUB_MASTER_KEYS). Exit status 0 when everything asked was done, 1 when something was
refused, held or not found, 2 for a usage error.`;

const PROGRESS_INTERVAL_MS = 1_000;
const MANUAL_REASONS = ERASURE_REASON_CODES.filter((c) => c !== 'retention-period-ended');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class UsageError extends Error {}

function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function operatorOf(value: string | undefined): string {
  if (value !== undefined) {
    if (value.trim() === '' || value.length > 128) throw new UsageError('--operator must be 1 to 128 characters');
    return value.trim();
  }
  try {
    return `${userInfo().username} (cli)`;
  } catch {
    return '(cli)';
  }
}

function uuidArg(value: string | undefined, option: string): string {
  if (value === undefined || !UUID.test(value)) throw new UsageError(`${option} must be an id of 36 characters in the form 0190a1b2-…`);
  return value.toLowerCase();
}

async function withStore<T>(schema: string | undefined, fn: (store: Store, config: HubConfig) => Promise<T>): Promise<T> {
  const config = loadConfigOrExit(process.env);
  const store = await openMigratedStore(config.settings, schema ? { schema } : {});
  try {
    return await fn(store, config);
  } finally {
    await store.close();
  }
}

function progressPrinter(label: string): (p: RetentionProgress) => void {
  let last = 0;
  let phase = '';
  return (p) => {
    const now = Date.now();
    if (p.phase === phase && now - last < PROGRESS_INTERVAL_MS && p.done < p.total) return;
    last = now;
    phase = p.phase;
    console.error(`${label}: ${p.phase} ${p.done} of ${p.total}`);
  };
}

function printReport(report: RetentionReport, runId: string): void {
  const erase = report.mode === 'erase';
  out(`retention ${erase ? 'run' : 'dry run'} ${runId} as of ${report.asOf}`);
  out(`  scanned: ${Object.entries(report.counts.scanned).map(([cls, n]) => `${n} ${cls}`).join(', ')}`);
  out(`  past their period: ${report.counts.due}; held by legal holds: ${report.counts.held}; ${erase ? `erased: ${report.counts.erased ?? 0}; skipped: ${report.counts.skipped ?? 0}` : `would be erased: ${report.counts.toErase}`}; unreadable (kept): ${report.counts.unreadable}`);
  for (const r of report.byRule) out(`  rule ${r.rule} (${r.class}): ${r.due} due, ${r.held} held${erase ? `, ${r.erased ?? 0} erased` : ''} — ${r.description}`);
  for (const r of report.reportOnly) out(`  rule ${r.rule} (${r.class}, report only): ${r.count} rows past the period, kept`);
  for (const item of report.items) out(`  ${item.class} ${item.id} ${item.rule} ${item.held ? 'HELD' : (item.outcome ?? 'due')}: ${item.reason}`);
  for (const h of report.held) out(`  held ${h.class} ${h.id}: hold ${h.holdIds.join(', ')}`);
  for (const id of report.unreadable) out(`  unreadable referral ${id} (kept)`);
  if (report.truncated) out(`  (lists cut at the first entries; the counts are complete)`);
}

async function retention(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'dry-run' && sub !== 'run') throw new UsageError(sub === undefined ? 'name a subcommand' : `unknown subcommand ${sub}`);
  const { values } = parseArgs({ args: rest, options: { 'as-of': { type: 'string' }, confirm: { type: 'boolean' }, json: { type: 'boolean' }, operator: { type: 'string' }, schema: { type: 'string' } } });
  const today = londonDate(new Date());
  const asOf = values['as-of'] ?? today;
  if (!isCalendarDate(asOf)) throw new UsageError('--as-of must be a date YYYY-MM-DD');
  const mode = sub === 'run' ? 'erase' : 'dry-run';
  if (mode === 'erase' && !values.confirm) throw new UsageError('retention run erases records and cannot be undone: add --confirm (produce a dry run first)');
  if (mode === 'erase' && asOf > today) {
    console.error(`hub retention run: --as-of ${asOf} is after today (${today}); nothing is erased ahead of time (a dry run can look ahead)`);
    return 1;
  }
  const operator = operatorOf(values.operator);
  return withStore(values.schema, async (store, config) => {
    const run = await store.createRetentionRun({ mode, trigger: 'cli', requestedBy: operator, asOf });
    const carried = await carryOutRetentionRun({ store, config: config.retention }, run, { actor: { name: operator, role: 'cli' }, onProgress: progressPrinter(`retention ${sub}`), today });
    if (values.json) out(JSON.stringify({ runId: run.id, ...carried.report }, null, 2));
    else printReport(carried.report, run.id);
    return 0;
  });
}

function describeResult(r: ErasureResult): string {
  switch (r.outcome) {
    case 'erased':
      if (r.recordClass === 'family-feedback') return `erased family-feedback ${r.id}: ${r.counts?.keysDestroyed ?? 0} keys destroyed, person unlinked (ratings kept for the statistics)`;
      return `erased ${r.recordClass} ${r.id}: ${r.counts?.keysDestroyed ?? 0} keys destroyed, ${r.counts?.payloads ?? 0} payloads unreadable, ${r.counts?.deliveriesClosed ?? 0} dead letters closed (tombstone ${r.tombstoneId})`;
    case 'held':
      return `REFUSED ${r.recordClass} ${r.id}: under legal hold ${(r.holdIds ?? []).join(', ')}`;
    case 'already-erased':
      return `already erased ${r.recordClass} ${r.id}`;
    case 'not-found':
      return `NOT FOUND ${r.recordClass} ${r.id}`;
    case 'has-referral':
      return `REFUSED ${r.recordClass} ${r.id}: it became a referral; erase the referral`;
  }
}

async function erase(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { reason: { type: 'string' }, note: { type: 'string' }, operator: { type: 'string' }, confirm: { type: 'boolean' }, limit: { type: 'string' }, json: { type: 'boolean' }, schema: { type: 'string' } },
  });
  if (sub === 'list') {
    const limit = values.limit === undefined ? 100 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be an integer from 1 to 1000');
    return withStore(values.schema, async (store) => {
      const { total, items } = await store.listErasures({ limit, offset: 0 });
      if (values.json) out(JSON.stringify({ total, items }, null, 2));
      else {
        out(`${total} erased records; newest ${items.length}:`);
        for (const t of items) out(`${t.erasedAt.toISOString()}\t${t.recordClass}\t${t.recordId}\t${t.reasonCode}\t${t.ruleId ? `rule ${t.ruleId}` : `operator ${t.operatorId}`}${t.runId ? `\trun ${t.runId}` : ''}`);
      }
      return 0;
    });
  }
  if (sub !== 'referral' && sub !== 'person' && sub !== 'feedback') throw new UsageError(sub === undefined ? 'name what to erase: referral, person, feedback or list' : `unknown subcommand ${sub}`);
  const reasonCode = values.reason;
  if (reasonCode === undefined || !(MANUAL_REASONS as readonly string[]).includes(reasonCode)) throw new UsageError(`--reason must be one of ${MANUAL_REASONS.join(', ')}`);
  if (values.note !== undefined && (values.note.trim() === '' || values.note.length > 2000)) throw new UsageError('--note must be 1 to 2000 characters');
  const operator = operatorOf(values.operator);
  const authority = { operatorId: operator, role: 'cli', reasonCode: reasonCode as ErasureReasonCode, ...(values.note ? { reason: values.note.trim() } : {}) };

  if (sub === 'feedback') {
    if (positionals.length === 0) throw new UsageError('name at least one feedback id');
    const ids = positionals.map((p, i) => uuidArg(p, `feedback id ${i + 1}`));
    return withStore(values.schema, async (store) => {
      const results = await store.eraseFamilyFeedback(ids, authority);
      for (const r of results) out(describeResult(r));
      return results.every((r) => r.outcome === 'erased' || r.outcome === 'already-erased') ? 0 : 1;
    });
  }
  if (sub === 'referral') {
    if (positionals.length === 0) throw new UsageError('name at least one referral id');
    const ids = positionals.map((p, i) => uuidArg(p, `referral id ${i + 1}`));
    return withStore(values.schema, async (store) => {
      const results = await store.eraseReferrals(ids, authority);
      for (const r of results) out(describeResult(r));
      return results.every((r) => r.outcome === 'erased' || r.outcome === 'already-erased') ? 0 : 1;
    });
  }
  const personId = uuidArg(positionals[0], 'hub person id');
  return withStore(values.schema, async (store) => {
    const referrals = await store.referralsOfPerson(personId);
    if (referrals.length === 0) {
      out(`person ${personId} appears in no referral`);
      return 1;
    }
    out(`person ${personId} appears in ${referrals.length} referrals:`);
    for (const r of referrals) out(`  ${r.referralId} as ${r.personRef} (${r.role})${r.erasedAt ? `, erased ${r.erasedAt.toISOString()}` : ''}`);
    const open = referrals.filter((r) => r.erasedAt === null).map((r) => r.referralId);
    if (!values.confirm) {
      out(`Each referral is a family's record: erasing it erases it for everyone in it. Add --confirm to erase ${open.length}.`);
      return 2;
    }
    const results = await store.eraseReferrals(open, authority);
    for (const r of results) out(describeResult(r));
    return results.every((r) => r.outcome === 'erased' || r.outcome === 'already-erased') ? 0 : 1;
  });
}

async function legalHold(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { referral: { type: 'string' }, person: { type: 'string' }, reason: { type: 'string' }, operator: { type: 'string' }, all: { type: 'boolean' }, schema: { type: 'string' } },
  });
  if (sub === 'list') {
    return withStore(values.schema, async (store) => {
      const holds = await store.listLegalHolds({ includeReleased: values.all === true, limit: 1000 });
      out(`${holds.length} legal holds${values.all ? '' : ' (active)'}:`);
      for (const h of holds) {
        out(`${h.id}\t${h.scope} ${h.targetId}\tplaced ${h.placedAt.toISOString()} by ${h.placedBy}${h.releasedAt ? `\treleased ${h.releasedAt.toISOString()} by ${h.releasedBy}` : '\tACTIVE'}\t${h.reason}`);
      }
      return 0;
    });
  }
  if (sub !== 'place' && sub !== 'release') throw new UsageError(sub === undefined ? 'name a subcommand: place, release or list' : `unknown subcommand ${sub}`);
  const reason = values.reason?.trim();
  if (!reason || reason.length > 2000) throw new UsageError('--reason must be 1 to 2000 characters (a case or matter reference; no personal details)');
  const by = { actor: operatorOf(values.operator), role: 'cli' };
  if (sub === 'place') {
    if ((values.referral === undefined) === (values.person === undefined)) throw new UsageError('give exactly one of --referral <id> or --person <hubPersonId>');
    const scope = values.referral !== undefined ? 'referral' : 'person';
    const targetId = uuidArg(values.referral ?? values.person, `--${scope}`);
    return withStore(values.schema, async (store) => {
      try {
        const hold = await store.placeLegalHold({ scope, targetId, reason, by });
        out(`placed legal hold ${hold.id} on ${scope} ${targetId}`);
        return 0;
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
        console.error(`hub legal-hold place: ${scope === 'referral' ? 'no such referral (or it is erased already)' : 'no such person'}; no hold was placed`);
        return 1;
      }
    });
  }
  const holdId = uuidArg(positionals[0], 'hold id');
  return withStore(values.schema, async (store) => {
    const released = await store.releaseLegalHold(holdId, { reason, by });
    if (!released) {
      console.error(`hub legal-hold release: there is no active legal hold ${holdId}; nothing was changed`);
      return 1;
    }
    out(`released legal hold ${holdId}`);
    return 0;
  });
}

/** `hub retention|erase|legal-hold …`: returns the process exit status. */
export async function retentionCommand(command: 'retention' | 'erase' | 'legal-hold', argv: string[]): Promise<number> {
  if (argv[0] === undefined || argv[0] === 'help' || argv[0] === '--help') {
    console.error(RETENTION_USAGE);
    return argv[0] === undefined ? 2 : 0;
  }
  try {
    if (command === 'retention') return await retention(argv);
    if (command === 'erase') return await erase(argv);
    return await legalHold(argv);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`hub ${command}: ${(err as Error).message}\n\n${RETENTION_USAGE}`);
      return 2;
    }
    if ((err as { code?: unknown }).code === '42P01') {
      console.error(`hub ${command}: the erasure tables are missing (has the hub been started on this database?)`);
      return 1;
    }
    console.error(`hub ${command}: ${(err as Error).message}`);
    return 1;
  }
}
