// An open-loop load at a steady rate: one signed request every 1/rate seconds, whatever the
// answers do, over at most `connections` keep-alive connections. autocannon's `overallRate`
// is not that: each connection sends its share of a second back to back at the start of the
// second and then waits, so 500/s over 50 connections arrives as a burst of 50 concurrent
// requests each second. Latency here is measured from the moment a request was due, so time
// spent waiting for a free connection counts (no coordinated omission).
import http from 'node:http';

export interface PacedLoadOptions {
  /** `http://127.0.0.1:<port>`: loopback only. */
  baseUrl: string;
  path: string;
  ratePerSecond: number;
  durationS: number;
  connections: number;
  timeoutMs: number;
  /** Headers for one request, built when it is sent (fresh id, timestamp and signature). */
  headers(): Record<string, string>;
  body: Buffer;
}

export interface PacedLoadResult {
  sent: number;
  ok: number;
  non2xx: number;
  errors: number;
  durationS: number;
  achievedRate: number;
  /** Milliseconds from when each request was due to its complete answer, sorted. */
  latenciesMs: number[];
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export async function runPacedLoad(opts: PacedLoadOptions): Promise<PacedLoadResult> {
  const url = new URL(opts.baseUrl);
  if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost') throw new Error('paced load is only sent to 127.0.0.1');
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections });
  const total = Math.round(opts.ratePerSecond * opts.durationS);
  const intervalMs = 1000 / opts.ratePerSecond;
  const latencies: number[] = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  let lastSentAt = 0;
  const inFlight = new Set<Promise<void>>();

  const send = (dueAt: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const req = http.request(
        { host: url.hostname, port: url.port, path: opts.path, method: 'POST', agent, headers: { ...opts.headers(), 'content-length': String(opts.body.length) }, timeout: opts.timeoutMs },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - dueAt);
            if (res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300) ok++;
            else non2xx++;
            resolve();
          });
          res.on('error', () => {
            errors++;
            resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(opts.body);
    });

  const start = performance.now();
  while (sent < total) {
    const now = performance.now();
    // Send every request that is due by now, each stamped with its own due time.
    while (sent < total && start + sent * intervalMs <= now) {
      const p = send(start + sent * intervalMs);
      inFlight.add(p);
      void p.then(() => inFlight.delete(p));
      sent++;
      lastSentAt = performance.now();
    }
    const nextDue = start + sent * intervalMs;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(intervalMs, nextDue - performance.now()))));
  }
  await Promise.all(inFlight);
  const durationS = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  // Requests sent per second over the sending window (the first is due at 0, the last at (n-1)/rate).
  const achievedRate = sent > 1 ? (sent - 1) / ((lastSentAt - start) / 1000) : sent;
  return { sent, ok, non2xx, errors, durationS, achievedRate, latenciesMs: latencies };
}
