// `pnpm hub sar …`: subject access from the DPO's own terminal (the console's /sar pages do the
// same with a register of requests). Searches and exports are recorded in the audit trail with the
// operating-system user as the actor (role `cli`); no searched value is ever written there.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '@hub/config';
import { buildSubjectAccessExport, checkSubjectSearch, describeCandidates, londonToday, renderSubjectAccessHtml, subjectAccessDates } from '@hub/console';
import { openMigratedStore, type Store } from '@hub/store';

export const SAR_USAGE = `Usage:
  pnpm hub sar find --nhs <NHS number>
  pnpm hub sar find --given <given name> --family <family name> --dob YYYY-MM-DD
  pnpm hub sar find --name "<given> <family>" --dob YYYY-MM-DD
  pnpm hub sar find --stdin        reads {"nhsNumber": "…"} or {"givenName": "…", "familyName": "…", "dateOfBirth": "…"}
  pnpm hub sar export <hubPersonId> --out <dir> [--request <requestId>]
  pnpm hub sar due <YYYY-MM-DD>
  pnpm hub sar backfill [--batch-size 100]
  (find, export and backfill also take --schema <name>)

find lists the hub people recorded with an NHS number, or with a name and date of birth: each
hub person is a separate candidate (people are linked only by NHS number, never merged on names),
with names, years of birth and NHS numbers masked. Prefer --stdin, so the values stay out of your
shell history and the process list.

export writes everything held about one hub person to <dir>/subject-access-<id>.json and .html
(files readable by you only; open the HTML in a browser and print it to make a PDF). Read the
free text marked for review before releasing it.

due prints the statutory due date of a request received on that date (one calendar month, the
last day of the month when it has no matching day) and the dates extended by one or two months.

backfill indexes the names and dates of birth of referrals routed before subject access search
existed (migration 0005), so that name + date of birth search finds them too.

Reads DATABASE_URL (or the embedded database under HUB_DATA_DIR: stop the hub first) and the
master keys (HUB_MASTER_KEYS).`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function actor(): string {
  try {
    return `${userInfo().username} (cli)`;
  } catch {
    return '(cli)';
  }
}

async function withStore<T>(schema: string | undefined, fn: (store: Store, config: ReturnType<typeof loadConfigOrExit>) => Promise<T>): Promise<T> {
  const config = loadConfigOrExit(process.env);
  const store = await openMigratedStore(config.settings, schema ? { schema } : {});
  try {
    return await fn(store, config);
  } finally {
    await store.close();
  }
}

async function find(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { nhs: { type: 'string' }, given: { type: 'string' }, family: { type: 'string' }, name: { type: 'string' }, dob: { type: 'string' }, stdin: { type: 'boolean' }, schema: { type: 'string' } },
  });
  let raw: Record<string, unknown>;
  if (values.stdin) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readStdin());
    } catch {
      console.error('hub sar find --stdin: expected one JSON object on stdin');
      return 2;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      console.error('hub sar find --stdin: expected one JSON object on stdin');
      return 2;
    }
    raw = { ...(parsed as Record<string, unknown>) };
    raw.method = 'nhsNumber' in raw ? 'nhs-number' : 'name-dob';
  } else if (values.nhs !== undefined) {
    raw = { method: 'nhs-number', nhsNumber: values.nhs };
  } else {
    let givenName = values.given;
    let familyName = values.family;
    if (values.name !== undefined) {
      // "Mary Jane Smith": the last word is the family name; use --given/--family when it is not.
      const words = values.name.trim().split(/\s+/);
      familyName = words.length > 1 ? words.pop() : undefined;
      givenName = words.join(' ');
    }
    raw = { method: 'name-dob', givenName, familyName, dateOfBirth: values.dob };
  }

  return withStore(values.schema, async (store, config) => {
    const { search, errors } = checkSubjectSearch(raw, { allowTestRange: config.settings.allowTestNhsNumbers, today: londonToday(new Date()) });
    if (!search) {
      for (const error of errors) console.error(`hub sar find: ${error}`);
      return 2;
    }
    const found =
      search.method === 'nhs-number'
        ? await store.findPeopleByNhsNumber(search.nhsNumber)
        : await store.findPeopleByNameAndDob({ givenName: search.givenName, familyName: search.familyName, dateOfBirth: search.dateOfBirth });
    await store.appendAudit({ at: new Date(), actor: actor(), role: 'cli', action: 'sar.search', outcome: 'ok', details: { method: search.method, candidates: found.length, channel: 'cli' } });
    const described = await describeCandidates(store, found);
    out(`${described.length} ${described.length === 1 ? 'candidate' : 'candidates'}${described.length > 1 ? ' (separate hub people: not merged; compare them with the identity evidence)' : ''}`);
    for (const c of described) {
      out();
      out(`hub person ${c.personId}${c.linkedByNhsNumber ? ' (linked by NHS number)' : ''}`);
      out(`  names (masked):        ${c.maskedNames.join('; ') || '—'}`);
      out(`  born (masked):         ${c.maskedDatesOfBirth.join('; ') || '—'}`);
      out(`  NHS number (masked):   ${c.maskedNhsNumbers.join('; ') || '—'}`);
      out(`  referrals:             ${c.referrals} from ${c.sources.map((s) => config.partners.get(s)?.displayName ?? s).join('; ') || '—'}`);
      out(`  roles:                 ${c.roles.join(', ') || '—'}`);
      out(`  first / last received: ${c.firstReceivedAt?.toISOString() ?? '—'} / ${c.lastReceivedAt?.toISOString() ?? '—'}`);
    }
    return 0;
  });
}

/** Writes each file next to its final name first, then renames: no half-written export is left. */
async function writeFilesAtomically(files: { file: string; content: string }[]): Promise<void> {
  const temps = files.map((f) => ({ ...f, temp: `${f.file}.${randomBytes(6).toString('hex')}.tmp` }));
  try {
    for (const f of temps) await writeFile(f.temp, f.content, { mode: 0o600, flag: 'wx' });
    for (const f of temps) await rename(f.temp, f.file);
  } catch (err) {
    await Promise.all(temps.map((f) => rm(f.temp, { force: true })));
    throw err;
  }
}

async function exportPerson(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { out: { type: 'string' }, request: { type: 'string' }, schema: { type: 'string' } } });
  const personId = positionals[0];
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  if (!personId || !UUID.test(personId) || !values.out) {
    console.error(`hub sar export: give a hub person id and --out <dir>\n\n${SAR_USAGE}`);
    return 2;
  }
  if (values.request !== undefined && !UUID.test(values.request)) {
    console.error('hub sar export: --request must be a request id');
    return 2;
  }
  return withStore(values.schema, async (store, config) => {
    const request = values.request ? await store.getSubjectAccessRequest(values.request) : null;
    if (values.request && !request) {
      console.error('hub sar export: there is no such subject access request');
      return 1;
    }
    const records = await store.subjectAccessRecords(personId);
    if (!records) {
      console.error('hub sar export: there is no such hub person');
      return 1;
    }
    const exported = buildSubjectAccessExport(records, { generatedAt: new Date(), partnerName: (id) => config.partners.get(id)?.displayName, request });
    await store.appendAudit({
      at: new Date(),
      actor: actor(),
      role: 'cli',
      action: 'sar.export',
      targetType: request ? 'subject-access-request' : 'person',
      targetId: request ? request.id : records.personId,
      outcome: 'ok',
      details: { format: 'json+html', personId: records.personId, referrals: exported.summary.referrals, disclosures: exported.completeness.ledgerRowsInExport, complete: exported.completeness.complete, channel: 'cli' },
    });
    const dir = path.resolve(process.env.INIT_CWD ?? process.cwd(), values.out as string);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const base = path.join(dir, `subject-access-${records.personId}`);
    await writeFilesAtomically([
      { file: `${base}.json`, content: `${JSON.stringify(exported, null, 2)}\n` },
      { file: `${base}.html`, content: renderSubjectAccessHtml(exported) },
    ]);
    const c = exported.completeness;
    out(`${base}.json`);
    out(`${base}.html`);
    out(`${exported.summary.referrals} referrals, ${exported.summary.disclosures} disclosures, ${exported.summary.notDisclosed} decisions not to disclose`);
    out(
      c.complete
        ? `complete: all ${c.ledgerRowsForPerson} ledger rows naming the person are in the export`
        : `INCOMPLETE: the ledger has ${c.ledgerRowsForPerson} rows naming the person, the export ${c.ledgerRowsInExport}; delivered without a ledger row: ${c.deliveredWithoutLedgerRow.length}; ledger rows about nothing listed: ${c.disclosuresNotExplained.length}; erased referrals without a tombstone: ${c.erasedReferralsWithoutTombstone.length}; unreadable records: ${c.unreadable.length}`,
    );
    const review = exported.referrals.reduce((n, r) => n + r.reviewBeforeRelease.length, 0) + exported.reviewBeforeRelease.length;
    if (review > 0) out(`${review} free-text ${review === 1 ? 'value is' : 'values are'} marked for review before release`);
    return c.complete ? 0 : 1;
  });
}

function due(argv: string[]): number {
  const [receivedOn] = argv;
  if (!receivedOn) {
    console.error(SAR_USAGE);
    return 2;
  }
  let dates: ReturnType<typeof subjectAccessDates>;
  try {
    dates = subjectAccessDates(receivedOn);
  } catch {
    console.error('hub sar due: give the date received as a real date YYYY-MM-DD');
    return 2;
  }
  out(`received ${dates.receivedOn}`);
  out(`due ${dates.dueOn}`);
  out(`extended by one month ${dates.extendedByOneMonth}`);
  out(`extended by two months ${dates.extendedByTwoMonths}`);
  out('(the requester must be told of an extension, with the reason, by the first due date)');
  return 0;
}

async function backfill(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { 'batch-size': { type: 'string' }, schema: { type: 'string' } } });
  const batchSize = values['batch-size'] === undefined ? 100 : Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    console.error('hub sar backfill: --batch-size must be an integer from 1 to 10000');
    return 2;
  }
  return withStore(values.schema, async (store) => {
    const result = await store.backfillNameDobIndex({ batchSize });
    out(`indexed ${result.referrals} referrals (${result.people} people with a name and date of birth)`);
    if (result.unreadable > 0) out(`${result.unreadable} referrals could not be decrypted (a master key missing from HUB_MASTER_KEYS?) and were left for a later run`);
    return result.unreadable > 0 ? 1 : 0;
  });
}

/** `hub sar …`: returns the process exit status. */
export async function sarCommand(argv: string[]): Promise<number> {
  const [subcommand, ...rest] = argv;
  try {
    switch (subcommand) {
      case 'find':
        return await find(rest);
      case 'export':
        return await exportPerson(rest);
      case 'due':
        return due(rest);
      case 'backfill':
        return await backfill(rest);
      default:
        console.error(SAR_USAGE);
        return subcommand === undefined || subcommand === 'help' || subcommand === '--help' ? 0 : 2;
    }
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    // parseArgs errors name the option, never a value; store errors are reduced to their kind.
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') console.error(`hub sar ${subcommand}: unexpected argument (put a name with spaces in quotes)\n\n${SAR_USAGE}`);
    else if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) console.error(`hub sar ${subcommand}: ${(err as Error).message}\n\n${SAR_USAGE}`);
    else if (code === 'EEXIST') console.error(`hub sar ${subcommand}: a file of that name already exists`);
    else console.error(`hub sar ${subcommand}: failed (${(err as Error).name}${typeof code === 'string' ? ` ${code}` : ''})`);
    return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  }
}
