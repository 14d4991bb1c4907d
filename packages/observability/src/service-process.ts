import http from 'node:http';
import type { Logger } from 'pino';

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/** What `/metrics` serves: a prom-client Registry fits. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/**
 * `/livez` (the process answers; never depends on PostgreSQL or Redis, so an outage causes no
 * restart storm), `/readyz` (the service's own readiness check) and, given a registry, the
 * Prometheus `/metrics` — on the private health port of every service (the gateway's own port
 * is public, so its metrics are never served there).
 */
export async function startHealthServer(opts: { host: string; port: number; ready: () => Promise<boolean>; registry?: MetricsSource }): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const send = (status: number, body: object): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/livez') return send(200, { status: 'ok' });
    if (req.method === 'GET' && req.url === '/readyz') {
      opts.ready().then(
        (ok) => send(ok ? 200 : 503, { status: ok ? 'ready' : 'not-ready' }),
        () => send(503, { status: 'not-ready' }),
      );
      return;
    }
    const registry = opts.registry;
    if (registry && req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?'))) {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
          res.end(text);
        },
        () => send(500, { status: 'metrics-unavailable' }),
      );
      return;
    }
    send(404, { status: 'not-found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : opts.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Stops on purpose on SIGTERM/SIGINT: runs `close` once, then exits 0 (or 1 if closing failed). */
export function stopOnSignals(logger: Logger, close: () => Promise<void>): void {
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      close().then(
        () => process.exit(0),
        (err: Error) => {
          logger.error({ err: { message: err.message } }, 'stop failed');
          process.exit(1);
        },
      );
    });
  }
}
