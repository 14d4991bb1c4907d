import { EventEmitter, once } from 'node:events';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from './errors.ts';
import { openStore } from './store.ts';
import { dropSchema, inbound, randomSchema, TEST_DATABASE_URL, testKeyring } from './test-backends.ts';
import type { OpenedStore } from './test-backends.ts';
import type { Store } from './types.ts';

/** A TCP proxy in front of the real PostgreSQL that the test can cut and restore. */
class CuttableProxy {
  #server: net.Server | undefined;
  readonly #sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(port = this.port): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    this.#server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** Closes the port and drops every connection, like PostgreSQL going away. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Accepts connections and never answers: a hung server or a black-holed network. */
async function startBlackHole(): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function recordingLogger(): { logger: { warn(o: object, m: string): void; error(o: object, m: string): void }; events: EventEmitter; lines: { level: string; obj: object; msg: string }[] } {
  const events = new EventEmitter();
  const lines: { level: string; obj: object; msg: string }[] = [];
  const record = (level: string) => (obj: object, msg: string) => {
    lines.push({ level, obj, msg });
    events.emit('logged', level, msg);
  };
  return { logger: { warn: record('warn'), error: record('error') }, events, lines };
}

async function expectUnavailableWithin(ms: number, action: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  await expect(action()).rejects.toBeInstanceOf(StoreUnavailableError);
  expect(performance.now() - started).toBeLessThan(ms);
}

const unavailableOperations = (store: Store): [string, () => Promise<unknown>][] => [
  ['ping', () => store.ping()],
  ['migrate', () => store.migrate()],
  ['acceptInbound', () => store.acceptInbound(inbound())],
  ['findInbound', () => store.findInbound('partner-a', 'msg_1')],
  ['readInbound', () => store.readInbound('0190a2f0-0000-7000-8000-000000000001')],
  ['claimOutbox', () => store.claimOutbox(10, 0)],
  ['markQueued', () => store.markQueued(['1'])],
  ['counts', () => store.counts()],
];

describe('when PostgreSQL is unavailable', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('a store pointed at a closed port rejects every call with StoreUnavailableError within a few seconds', async () => {
    const { store } = await openStore({ databaseUrl: 'postgres://postgres@127.0.0.1:1/test', keyring: testKeyring(), connectionTimeoutMs: 2_000 });
    cleanups.push(() => store.close());
    for (const [name, action] of unavailableOperations(store)) {
      await expectUnavailableWithin(3_000, action).catch((err: Error) => {
        throw new Error(`${name}: ${err.message}`);
      });
    }
  });

  it('a server that accepts but never answers gives StoreUnavailableError after the connection timeout', async () => {
    const blackHole = await startBlackHole();
    cleanups.push(() => blackHole.stop());
    const { store } = await openStore({
      databaseUrl: `postgres://postgres@127.0.0.1:${blackHole.port}/test`,
      keyring: testKeyring(),
      connectionTimeoutMs: 1_000,
      pingTimeoutMs: 1_500,
    });
    cleanups.push(() => store.close());
    await expectUnavailableWithin(2_500, () => store.ping());
    await expectUnavailableWithin(2_500, () => store.acceptInbound(inbound()));
  });
});

describe('when PostgreSQL goes away and comes back', () => {
  const schema = randomSchema();
  const target = new URL(TEST_DATABASE_URL);
  const proxy = new CuttableProxy({ host: target.hostname, port: Number(target.port || 5432) });
  let opened: OpenedStore | undefined;

  afterAll(async () => {
    await opened?.store.close();
    await proxy.stop();
    await dropSchema(schema);
  });

  it('logs dropped idle connections instead of crashing, answers 503-style errors, and recovers by itself', async () => {
    await proxy.start();
    const through = new URL(TEST_DATABASE_URL);
    through.hostname = '127.0.0.1';
    through.port = String(proxy.port);
    const { logger, events, lines } = recordingLogger();
    // One connection, so that "the idle connection was dropped" is a single, awaitable event.
    opened = await openStore({ databaseUrl: through.toString(), schema, keyring: testKeyring(), logger, poolSize: 1, connectionTimeoutMs: 1_000 });
    const { store, db } = opened;
    await store.migrate();
    expect((await store.acceptInbound(inbound())).outcome).toBe('accepted');

    // Cut: idle pooled connections die; the pool 'error' listener logs it.
    const logged = once(events, 'logged');
    await proxy.stop();
    await logged;
    expect(lines[0]).toMatchObject({ level: 'error', msg: 'postgres idle client error' });

    const lost = inbound();
    await expectUnavailableWithin(2_500, () => store.acceptInbound(lost));
    await expectUnavailableWithin(2_500, () => store.ping());

    // Back: the next calls reconnect without any help.
    await proxy.start();
    await store.ping();
    expect((await store.acceptInbound(inbound())).outcome).toBe('accepted');
    expect(await store.findInbound(lost.partnerId, lost.webhookId)).toBeNull();
    expect(await store.counts()).toEqual({ inbound: 2, outboxPending: 2 });

    // Cut during a transaction: the statement in flight fails with StoreUnavailableError and the
    // broken connection is discarded rather than returned to the pool.
    await expect(
      db.transaction(async (tx) => {
        await tx.query('SELECT 1');
        const sleeping = tx.query('SELECT pg_sleep(2)');
        await proxy.stop();
        await sleeping;
      }),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
    await proxy.start();
    await store.ping();
  });
});
