import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '@hub/config';
import { createStore } from '@hub/store';
import type { LedgerVerification } from '@hub/store';

const USAGE = `Usage:
  pnpm hub ledger verify [--page-size 1000] [--schema public]

Walks the disclosure ledger's hash chain from the first row to the last, a page at a time,
and reports the first broken link: a row whose hash does not match its contents
(hash-mismatch), whose prev_hash is not the previous row's hash (prev-link-mismatch), or
whose seq does not follow the previous one (gap: a row was deleted). Progress goes to
stderr. Exit status 0 when the chain is intact, 1 when it is broken or cannot be read.

Reads DATABASE_URL (or the embedded database under HUB_DATA_DIR: stop the hub first, one
process at a time can open it) and changes nothing. Rows cut off the end, or a whole tail
rewritten consistently, are not visible to this check: compare the last row's hash with a
copy kept outside the database for that.`;

const PROGRESS_INTERVAL_MS = 1_000;

export function describeVerification(result: LedgerVerification): string {
  if (result.ok) return `ledger OK: ${result.checked} entries checked`;
  const broken = result.firstBroken;
  return broken
    ? `ledger BROKEN at seq ${broken.seq} (entry ${broken.id}): ${broken.reason}`
    : `ledger BROKEN after ${result.checked} entries checked`;
}

/** `hub ledger …`: returns the process exit status. */
export async function ledgerCommand(argv: string[]): Promise<number> {
  const [subcommand, ...rest] = argv;
  if (subcommand !== 'verify') {
    console.error(USAGE);
    return subcommand === undefined || subcommand === 'help' || subcommand === '--help' ? 0 : 2;
  }
  let pageSize = 1000;
  let schema: string | undefined;
  try {
    const { values } = parseArgs({ args: rest, options: { 'page-size': { type: 'string' }, schema: { type: 'string' } } });
    if (values['page-size'] !== undefined) {
      pageSize = Number(values['page-size']);
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100_000) throw new TypeError('--page-size must be an integer from 1 to 100000');
    }
    schema = values.schema;
  } catch (err) {
    console.error(`hub ledger verify: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }

  let store: Awaited<ReturnType<typeof createStore>> | undefined;
  try {
    const { settings } = loadConfig(process.env);
    store = await createStore({
      ...(settings.databaseUrl ? { databaseUrl: settings.databaseUrl } : {}),
      dataDir: settings.dataDir,
      keyring: settings.keyring,
      ...(schema ? { schema } : {}),
      poolSize: 1,
      // A page of a large ledger can take longer than an ordinary query.
      queryTimeoutMs: 120_000,
    });
    let lastReport = Date.now();
    const result = await store.verifyLedger({
      pageSize,
      onProgress: ({ checked, lastSeq }) => {
        if (Date.now() - lastReport < PROGRESS_INTERVAL_MS) return;
        lastReport = Date.now();
        console.error(`ledger verify: ${checked} entries checked (seq ${lastSeq})`);
      },
    });
    process.stdout.write(`${describeVerification(result)}\n`);
    return result.ok ? 0 : 1;
  } catch (err) {
    if (err instanceof ConfigError) console.error(err.message);
    else if ((err as { code?: unknown }).code === '42P01') console.error('hub ledger verify: there is no ledger table here (has the hub been started on this database?)');
    else console.error(`hub ledger verify: ${(err as Error).message}`);
    return 1;
  } finally {
    await store?.close();
  }
}
