import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectoryRefresher, createFileSnapshotStore, createMemorySnapshotStore } from './refresh.ts';
import type { RefreshOutcome, SnapshotStore } from './refresh.ts';

const FIXTURE = fileURLToPath(new URL('../../../config/demo/directory.oruk.json', import.meta.url));

/** What the feed server answers next. `hang` never answers, to exercise the timeout. */
type Answer = { kind: 'json'; body: string } | { kind: 'status'; status: number } | { kind: 'hang' };

let server: Server;
let url: string;
let answer: Answer = { kind: 'status', status: 404 };
const hanging: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((_req, res) => {
    if (answer.kind === 'hang') {
      hanging.push(res);
      return;
    }
    if (answer.kind === 'status') {
      res.writeHead(answer.status, { 'content-type': 'text/plain' }).end('unavailable');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services`;
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function goodFeed(): Promise<{ content: Record<string, unknown>[] }> {
  return JSON.parse(await readFile(FIXTURE, 'utf8'));
}

function clock(): () => Date {
  let t = Date.parse('2026-03-02T09:00:00Z');
  return () => new Date((t += 60_000));
}

async function runSequence(store: SnapshotStore): Promise<void> {
  const refresher = createDirectoryRefresher({ url, store, now: clock(), timeoutMs: 300 });
  const good = await goodFeed();
  expect(await refresher.current()).toBeNull();

  // A 500 before any good copy: nothing to keep, nothing invented.
  answer = { kind: 'status', status: 500 };
  expect(await refresher.refresh()).toMatchObject({ status: 'kept-last-good', code: 'fetch.status', httpStatus: 500, lastGoodAt: null });
  expect(await refresher.current()).toBeNull();

  answer = { kind: 'json', body: JSON.stringify(good) };
  const first = await refresher.refresh();
  expect(first).toMatchObject({ status: 'replaced', services: good.content.length, problems: [] });
  const firstCopy = await refresher.current();
  expect(firstCopy?.services).toHaveLength(good.content.length);
  expect(firstCopy?.sourceUrl).toBe(url);
  expect(firstCopy?.fetchedAt).toBe(first.at);

  const failures: [Answer, Partial<RefreshOutcome>][] = [
    [{ kind: 'status', status: 500 }, { code: 'fetch.status', httpStatus: 500 }],
    [{ kind: 'json', body: '{"content": [' }, { code: 'feed.invalid-json' }],
    [{ kind: 'json', body: JSON.stringify({ content: [{ id: 'x' }, 'junk'] }) }, { code: 'feed.no-valid-services' }],
    [{ kind: 'json', body: JSON.stringify({ services: good.content }) }, { code: 'feed.no-valid-services' }],
    [{ kind: 'hang' }, { code: 'fetch.timeout' }],
  ];
  for (const [next, expected] of failures) {
    answer = next;
    const outcome = await refresher.refresh();
    expect(outcome).toMatchObject({ status: 'kept-last-good', lastGoodAt: first.at, ...expected });
    expect(refresher.lastOutcome()).toEqual(outcome);
    expect(await refresher.current()).toEqual(firstCopy);
  }
  const noValid = (await (async () => {
    answer = { kind: 'json', body: JSON.stringify({ content: [{ id: 'x' }] }) };
    return refresher.refresh();
  })()) as Extract<RefreshOutcome, { status: 'kept-last-good' }>;
  expect(noValid.problems.length).toBeGreaterThan(0);

  // Broken records alongside good ones: the good ones replace the copy, the bad are reported.
  const partial = await goodFeed();
  delete partial.content[0]!.name;
  partial.content[1]!.status = 'no-such-status';
  answer = { kind: 'json', body: JSON.stringify(partial) };
  const second = await refresher.refresh();
  expect(second).toMatchObject({ status: 'replaced', services: good.content.length - 2 });
  expect(second.problems.map((p) => [p.index, p.code])).toEqual([
    [0, 'schema.required'],
    [1, 'schema.enum'],
  ]);
  const secondCopy = await refresher.current();
  expect(secondCopy?.fetchedAt).toBe(second.at);
  expect(secondCopy?.services.map((s) => s.id)).not.toContain('demo-svc-001');
  expect(secondCopy?.problems).toEqual(second.problems);
}

describe('directory refresh over HTTP', () => {
  it('keeps the last good copy in memory when a refresh fails', async () => {
    await runSequence(createMemorySnapshotStore());
  });

  it('keeps the last good copy on disk, atomically, across restarts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-directory-'));
    try {
      const path = join(dir, 'nested', 'directory.snapshot.json');
      await runSequence(createFileSnapshotStore(path));
      const reopened = await createFileSnapshotStore(path).load();
      expect(reopened?.services.length).toBeGreaterThan(30);
      expect(await readdir(join(dir, 'nested'))).toEqual(['directory.snapshot.json']);
      // A refresher started later over the same file serves that copy until its own first success.
      answer = { kind: 'status', status: 503 };
      const restarted = createDirectoryRefresher({ url, store: createFileSnapshotStore(path) });
      expect(await restarted.refresh()).toMatchObject({ status: 'kept-last-good', lastGoodAt: reopened?.fetchedAt });
      expect(await restarted.current()).toEqual(reopened);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports an unreachable feed as fetch.failed', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refresher = createDirectoryRefresher({ url: `http://127.0.0.1:${port}/services`, store: createMemorySnapshotStore() });
    expect(await refresher.refresh()).toMatchObject({ status: 'kept-last-good', code: 'fetch.failed', lastGoodAt: null });
  });

  it('refuses a feed larger than the limit', async () => {
    answer = { kind: 'json', body: JSON.stringify(await goodFeed()) };
    const refresher = createDirectoryRefresher({ url, store: createMemorySnapshotStore(), maxBytes: 1024 });
    expect(await refresher.refresh()).toMatchObject({ status: 'kept-last-good', code: 'fetch.too-large' });
  });

  it('refreshes on a schedule until stopped', async () => {
    answer = { kind: 'json', body: JSON.stringify(await goodFeed()) };
    const refresher = createDirectoryRefresher({ url, store: createMemorySnapshotStore() });
    const outcomes: RefreshOutcome[] = [];
    let stop = (): void => undefined;
    await new Promise<void>((resolve, reject) => {
      const timeout = setTimeout(() => reject(new Error('no scheduled refreshes')), 10_000);
      stop = refresher.schedule(20, (outcome) => {
        outcomes.push(outcome);
        if (outcomes.length === 3) {
          clearTimeout(timeout);
          resolve();
        }
      });
    });
    stop();
    expect(outcomes.every((o) => o.status === 'replaced')).toBe(true);
    expect((await refresher.current())?.services.length).toBeGreaterThan(30);
  });
});
