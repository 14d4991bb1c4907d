// BullMQ workers that do nothing, in their own process: the baseline the delivery drain is
// compared with. Started by bench/delivery.ts on a free port; answers /livez once its workers
// run, and prints one JSON line (msg "noop drained") when the expected number of jobs has
// completed, with the time of the first and last completion (epoch ms, the same clock as the
// benchmark's). Stops on SIGTERM; it never adds jobs itself.
//
// BENCH_REDIS_URL, BENCH_PREFIX, BENCH_QUEUES (comma-separated), BENCH_EXPECT (jobs),
// BENCH_CONCURRENCY (per worker; "default" = BullMQ's own default), BENCH_CONNECTION
// ("hub" = the delivery runtime's worker connection from @hub/queues, "default" = a plain
// ioredis connection), BENCH_PORT.
import http from 'node:http';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { cappedExponentialBackoff, createRedisConnection } from '@hub/queues';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is required`);
  return value;
}

async function main(): Promise<void> {
  const redisUrl = required('BENCH_REDIS_URL');
  if (!/^redis:\/\/127\.0\.0\.1:/.test(redisUrl)) throw new Error('the no-op worker only talks to a Redis on 127.0.0.1');
  const prefix = required('BENCH_PREFIX');
  const queues = required('BENCH_QUEUES').split(',');
  const expect = Number(required('BENCH_EXPECT'));
  const concurrencyRaw = required('BENCH_CONCURRENCY');
  const hubSettings = required('BENCH_CONNECTION') === 'hub';
  const port = Number(required('BENCH_PORT'));

  let completed = 0;
  let firstCompletedAt = 0;
  const connections: Redis[] = [];
  const workers = queues.map((queueName) => {
    const connection = hubSettings ? createRedisConnection(redisUrl, 'worker') : new Redis(redisUrl, { maxRetriesPerRequest: null });
    connection.on('error', () => undefined);
    connections.push(connection);
    const worker = new Worker(queueName, async () => 'delivered', {
      connection,
      prefix,
      ...(concurrencyRaw === 'default' ? {} : { concurrency: Number(concurrencyRaw) }),
      ...(hubSettings ? { settings: { backoffStrategy: cappedExponentialBackoff } } : {}),
    });
    worker.on('error', (err) => console.error(JSON.stringify({ msg: 'noop worker error', err: err.message })));
    worker.on('completed', () => {
      completed++;
      if (completed === 1) firstCompletedAt = Date.now();
      if (completed === expect) {
        process.stdout.write(`${JSON.stringify({ msg: 'noop drained', completed, firstCompletedAt, lastCompletedAt: Date.now() })}\n`);
      }
    });
    return worker;
  });
  await Promise.all(workers.map((w) => w.waitUntilReady()));

  const server = http.createServer((req, res) => {
    res.writeHead(req.url === '/livez' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ completed }));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

  process.once('SIGTERM', () => {
    void (async () => {
      server.close();
      await Promise.all(workers.map((w) => w.close()));
      for (const c of connections) c.disconnect();
      process.exit(0);
    })();
  });
}

main().catch((err: Error) => {
  console.error(`noop worker failed: ${err.stack ?? err.message}`);
  process.exit(1);
});
