// Durable accepts per second at a fixed concurrency, against PostgreSQL (or PGlite with --pglite).
// Usage: pnpm tsx packages/store/scripts/bench-accept.ts [--concurrency 50] [--seconds 5] [--pglite]
import { createHash, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createStore } from '../src/index.ts';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '5' },
    'batch-size': { type: 'string', default: '64' },
    pglite: { type: 'boolean', default: false },
  },
});
const concurrency = Number(values.concurrency);
const seconds = Number(values.seconds);
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `store_bench_${randomBytes(4).toString('hex')}`;

const store = await createStore({
  ...(values.pglite ? { dataDir: 'memory://' } : { databaseUrl }),
  schema,
  keyring: { activeKeyId: 'k1', keys: { k1: randomBytes(32) } },
  maxBatchSize: Number(values['batch-size']),
});
await store.migrate();

const template = JSON.stringify({ type: 'vcs.referral.submitted', timestamp: new Date().toISOString(), data: { note: 'x'.repeat(1400) } });
let sequence = 0;
let done = 0;
const latencies: number[] = [];
const deadline = performance.now() + seconds * 1000;

async function worker(): Promise<void> {
  while (performance.now() < deadline) {
    sequence += 1;
    const body = Buffer.from(`${template}${sequence}`);
    const started = performance.now();
    const result = await store.acceptInbound({
      partnerId: 'bench',
      webhookId: `msg_${sequence}`,
      type: 'vcs.referral.submitted',
      schemaId: 'bench/v1',
      receivedAt: new Date(),
      body,
      bodySha256: createHash('sha256').update(body).digest('hex'),
    });
    if (result.outcome !== 'accepted') throw new Error(`unexpected ${result.outcome}`);
    latencies.push(performance.now() - started);
    done += 1;
  }
}

const started = performance.now();
await Promise.all(Array.from({ length: concurrency }, worker));
const elapsed = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p: number): string => (latencies[Math.floor((latencies.length - 1) * p)] ?? 0).toFixed(2);
process.stdout.write(
  JSON.stringify({
    backend: values.pglite ? 'pglite' : 'postgres',
    concurrency,
    accepts: done,
    perSecond: Math.round(done / elapsed),
    p50ms: pct(0.5),
    p99ms: pct(0.99),
    counts: await store.counts(),
  }) + '\n',
);
await store.close();
if (!values.pglite) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`DROP SCHEMA ${schema} CASCADE`);
  await client.end();
}
