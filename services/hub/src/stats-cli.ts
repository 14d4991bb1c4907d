// `pnpm hub stats`: anonymised statistics, families' feedback and performance against targets as
// CSV/JSON (the same suppressed figures as the console's /statistics, /statistics/feedback and
// /performance), and the backfill of the
// statistics dimensions (needs, postcode district) for referrals routed before they were recorded.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type HubConfig } from '@hub/config';
import { statisticsDimensions } from '@hub/routing';
import { createStore, type Store } from '@hub/store';
import {
  buildFeedbackReport,
  buildPerformanceReport,
  buildStatisticsReport,
  defaultPeriod,
  feedbackReportJson,
  feedbackTableCsv,
  FEEDBACK_TABLE_IDS,
  monthBuckets,
  parsePeriod,
  performanceCsv,
  PERFORMANCE_SECTIONS,
  reportJson,
  reportTableCsv,
  sourceTypeLabel,
  STATISTICS_TABLE_IDS,
  type Period,
  type PerformanceSection,
  type StatisticsTableId,
} from '@hub/statistics';

const USAGE = `Usage:
  pnpm hub stats report [--from YYYY-MM-DD --to YYYY-MM-DD] [--table ${STATISTICS_TABLE_IDS.join('|')} | --json] [--out <file>]
  pnpm hub stats feedback [--from YYYY-MM-DD --to YYYY-MM-DD] [--table <id> | --json] [--out <file>]
  pnpm hub stats performance [--from YYYY-MM-DD --to YYYY-MM-DD] [--section ${PERFORMANCE_SECTIONS.join('|')}] [--out <file>]
  pnpm hub stats backfill [--batch-size 200]

report: anonymised counts of referrals received from --from up to (not including) --to (London
dates; default the last twelve months) by source type, need, postcode district and outcome, per
month, small-number suppressed (1–7 shown as *, others rounded to 5, secondary suppression).
One table as CSV (--table, default source-type) or every table as JSON (--json).

feedback: families' ratings of the services that supported them, by service type and by postcode
district, per month (counted by the calendar month each answer arrived in), suppressed the same
way; a mean rating only where at least 8 answered and no figure of its row is hidden. One table as
CSV (--table, default service-type-answers; one of ${FEEDBACK_TABLE_IDS.join(', ')}) or every
table as JSON (--json).

performance: time to acknowledge and accept per recipient or per source type, the share
acknowledged within one working day (Working Together 2023), or the Operation Encompass on-time
rate (--section encompass), as CSV.

backfill: records the need codes and postcode district of referrals routed before the hub kept
them (decrypting each once); referrals that cannot be decrypted (erased) are skipped.

Output goes to stdout unless --out names a file. Reads DATABASE_URL (or the embedded database
under HUB_DATA_DIR: stop the hub first) and, for backfill, the master keys.`;

type Values = { from?: string; to?: string; table?: string; json?: boolean; section?: string; out?: string; 'batch-size'?: string; schema?: string };

function periodOf(values: Values): Period | string[] {
  if (!values.from && !values.to) return defaultPeriod(new Date());
  const fallback = defaultPeriod(new Date());
  const parsed = parsePeriod(values.from ?? fallback.from, values.to ?? fallback.to);
  return 'period' in parsed ? parsed.period : parsed.problems.map((p) => `--${p.field}: ${p.message}`);
}

async function output(values: Values, text: string): Promise<void> {
  if (!values.out) {
    process.stdout.write(text);
    return;
  }
  const file = path.resolve(process.env.INIT_CWD ?? process.cwd(), values.out);
  await writeFile(file, text);
  console.error(`hub stats: written to ${file}`);
}

async function openStore(config: HubConfig, schema: string | undefined): Promise<Store> {
  const { settings } = config;
  return createStore({
    ...(settings.databaseUrl ? { databaseUrl: settings.databaseUrl } : {}),
    dataDir: settings.dataDir,
    keyring: settings.keyring,
    ...(schema ? { schema } : {}),
    poolSize: 2,
    queryTimeoutMs: 120_000,
  });
}

/** `hub stats …`: returns the process exit status. */
export async function statsCommand(argv: string[]): Promise<number> {
  const [subcommand, ...rest] = argv;
  if (subcommand !== 'report' && subcommand !== 'feedback' && subcommand !== 'performance' && subcommand !== 'backfill') {
    console.error(USAGE);
    return subcommand === undefined || subcommand === 'help' || subcommand === '--help' ? 0 : 2;
  }
  let values: Values;
  try {
    values = parseArgs({
      args: rest,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        table: { type: 'string' },
        json: { type: 'boolean' },
        section: { type: 'string' },
        out: { type: 'string' },
        'batch-size': { type: 'string' },
        schema: { type: 'string' },
      },
    }).values;
  } catch (err) {
    console.error(`hub stats: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const period = periodOf(values);
  if (Array.isArray(period)) {
    for (const problem of period) console.error(`hub stats: ${problem}`);
    return 2;
  }
  const tableIds: readonly string[] = subcommand === 'feedback' ? FEEDBACK_TABLE_IDS : STATISTICS_TABLE_IDS;
  const table = values.table ?? tableIds[0];
  if (table === undefined || !tableIds.includes(table)) {
    console.error(`hub stats: --table must be one of ${tableIds.join(', ')}`);
    return 2;
  }
  const section = values.section ?? 'recipient';
  if (!(PERFORMANCE_SECTIONS as readonly string[]).includes(section)) {
    console.error(`hub stats: --section must be one of ${PERFORMANCE_SECTIONS.join(', ')}`);
    return 2;
  }
  const batchSize = values['batch-size'] === undefined ? 200 : Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    console.error('hub stats: --batch-size must be an integer from 1 to 10000');
    return 2;
  }

  let store: Store | undefined;
  try {
    const config = loadConfig(process.env);
    store = await openStore(config, values.schema);
    if (subcommand === 'report') {
      const buckets = monthBuckets(period);
      const counts = await store.statisticsCounts({ from: period.start, to: period.end, buckets: buckets.starts });
      const report = buildStatisticsReport({ from: period.from, to: period.to, months: buckets.labels, counts });
      if (report.dimensionsIncomplete) console.error('hub stats: some referrals have no recorded needs or area yet; run `pnpm hub stats backfill`');
      await output(values, values.json ? `${reportJson(report)}\n` : reportTableCsv(report, table as StatisticsTableId));
      return 0;
    }
    if (subcommand === 'feedback') {
      const months = monthBuckets(period).labels;
      const rows = await store.feedbackStatistics({ from: months[0] as string, to: months.at(-1) as string });
      const report = buildFeedbackReport({ from: period.from, to: period.to, months, rows });
      await output(values, values.json ? `${feedbackReportJson(report)}\n` : feedbackTableCsv(report, table));
      return 0;
    }
    if (subcommand === 'performance') {
      const timings = await store.deliveryTimings({ from: period.start, to: period.end });
      const report = buildPerformanceReport({
        from: period.from,
        to: period.to,
        asAt: new Date(),
        timings,
        recipientLabel: (id) => config.partners.get(id)?.displayName ?? id,
        sourceLabel: sourceTypeLabel,
      });
      await output(values, performanceCsv(report, section as PerformanceSection));
      return 0;
    }
    const result = await store.backfillReferralDimensions(
      (canonical) => statisticsDimensions(JSON.parse(canonical.toString('utf8')) as Parameters<typeof statisticsDimensions>[0]),
      { batchSize, onProgress: ({ done, unreadable }) => console.error(`hub stats backfill: ${done} referrals updated, ${unreadable} unreadable`) },
    );
    process.stdout.write(`stats backfill: ${result.updated} referrals updated${result.unreadable > 0 ? `, ${result.unreadable} could not be decrypted (erased) and were left as unknown` : ''}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) console.error(err.message);
    else console.error(`hub stats ${subcommand}: ${(err as Error).message}`);
    return 1;
  } finally {
    await store?.close();
  }
}
