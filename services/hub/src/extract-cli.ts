// `pnpm hub extract`: the national evaluation extract (DESIGN §8; DOMAIN §4) from the command line.
// Writes the CSV (mode 0600) and its manifest into a directory the operator names, after
// recording the extract in the disclosure ledger — the same createEvaluationExtract as the
// console's /extract page. Prints counts, paths and the hash; never a name or an address.
import { constants } from 'node:fs';
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '@hub/config';
import { createStore, type Store } from '@hub/store';
import { createEvaluationExtract, parsePeriod } from '@hub/statistics';

const USAGE = `Usage:
  pnpm hub extract --from YYYY-MM-DD --to YYYY-MM-DD --out <dir> [--by <operator>] [--schema public]

The national evaluation extract for the families supported from --from up to (not including)
--to (London dates; the period must have ended): each family member's name, address, date of
birth, sex and NI number when known, plus family-level participation — nothing else — leaving
out people who objected or whose processing is restricted.

The extract is recorded first: one "disclosed" row in the disclosure ledger to the national
evaluation recipient (the partner with organisationType national-evaluation), purpose
national-evaluation, Art 6(1)(e), channel secure-file-transfer, with the CSV's SHA-256 and the
people it names. Then <dir> gets the CSV (readable by you only) and <file>.manifest.json (its
hash, rows and columns). Send both by secure file transfer and delete the CSV afterwards.

--by names the operator in the ledger (default cli:<your user name>). Reads DATABASE_URL (or
the embedded database under HUB_DATA_DIR: stop the hub first) and the master keys.`;

/** `hub extract …`: returns the process exit status. */
export async function extractCommand(argv: string[]): Promise<number> {
  let values: { from?: string; to?: string; out?: string; by?: string; schema?: string; help?: boolean };
  try {
    values = parseArgs({
      args: argv,
      options: { from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' }, by: { type: 'string' }, schema: { type: 'string' }, help: { type: 'boolean' } },
    }).values;
  } catch (err) {
    console.error(`hub extract: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!values.from || !values.to || !values.out) {
    console.error(`hub extract: --from, --to and --out are required\n\n${USAGE}`);
    return 2;
  }
  const parsed = parsePeriod(values.from, values.to);
  if ('problems' in parsed) {
    for (const problem of parsed.problems) console.error(`hub extract: --${problem.field}: ${problem.message}`);
    return 2;
  }
  const { period } = parsed;
  if (period.end.getTime() > Date.now()) {
    console.error('hub extract: --to: the period must have ended (today’s date or earlier)');
    return 2;
  }
  const createdBy = values.by ?? `cli:${userInfo().username}`;
  if (createdBy.length === 0 || createdBy.length > 128 || [...createdBy].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
    console.error('hub extract: --by must be 1 to 128 printable characters');
    return 2;
  }
  const outDir = path.resolve(process.env.INIT_CWD ?? process.cwd(), values.out);

  let store: Store | undefined;
  const written: string[] = [];
  try {
    const config = loadConfig(process.env);
    const recipient = config.partners.all().find((p) => p.organisationType === 'national-evaluation');
    if (!recipient) {
      console.error(`hub extract: no partner with organisationType national-evaluation in ${config.settings.configDir}/partners.yaml`);
      return 1;
    }
    await mkdir(outDir, { recursive: true, mode: 0o700 });
    const { settings } = config;
    store = await createStore({
      ...(settings.databaseUrl ? { databaseUrl: settings.databaseUrl } : {}),
      dataDir: settings.dataDir,
      keyring: settings.keyring,
      ...(values.schema ? { schema: values.schema } : {}),
      poolSize: 2,
      queryTimeoutMs: 120_000,
    });
    let csvPath = '';
    let partialPath = '';
    const extract = await createEvaluationExtract(store, {
      period,
      createdBy,
      recipientPartnerId: recipient.id,
      onProgress: (n) => console.error(`hub extract: ${n} referrals read`),
      // Written before the ledger row, under a temporary name: if the file cannot be written,
      // nothing is recorded; if recording fails, the file is removed.
      async prepare(file) {
        csvPath = path.join(outDir, file.fileName);
        partialPath = `${csvPath}.partial`;
        if (await exists(csvPath)) throw new Error(`${csvPath} exists already`);
        await writeFile(partialPath, file.csv, { mode: 0o600, flag: 'wx' });
        written.push(partialPath);
      },
    });
    // Recorded: from here on the file is kept whatever happens.
    written.splice(0);
    await rename(partialPath, csvPath);
    const manifestPath = csvPath.replace(/\.csv$/, '.manifest.json');
    await writeFile(manifestPath, `${JSON.stringify(extract.manifest, null, 2)}\n`, { mode: 0o600 });
    const m = extract.manifest;
    process.stdout.write(
      [
        `extract ${m.extractId} recorded in the ledger (entry ${m.ledgerEntryId}) as a disclosure to ${m.recipient}`,
        `  ${m.families} families, ${m.rows} people, ${m.peopleExcluded} left out (objection or restriction)${extract.unreadable > 0 ? `, ${extract.unreadable} referrals unreadable (erased) and skipped` : ''}`,
        `  CSV       ${csvPath}`,
        `  manifest  ${manifestPath}`,
        `  sha256    ${m.sha256}`,
        '',
      ].join('\n'),
    );
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) console.error(err.message);
    else console.error(`hub extract: ${(err as Error).message}`);
    return 1;
  } finally {
    for (const file of written) await rm(file, { force: true });
    await store?.close();
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}
