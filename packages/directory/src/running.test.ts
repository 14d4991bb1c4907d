import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDirectorySource, startDirectoryRefresh } from './running.ts';

const DEMO_FILE = path.resolve(import.meta.dirname, '../../../config/demo/directory.oruk.json');

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'directory-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

function logger() {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  let wake: (() => void) | undefined;
  const push = (level: string) => (obj: Record<string, unknown>, msg: string) => {
    lines.push({ level, obj, msg });
    wake?.();
  };
  return {
    lines,
    info: push('info'),
    warn: push('warn'),
    next: (n: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no log line')), 5_000);
        wake = () => {
          if (lines.length >= n) {
            clearTimeout(timer);
            resolve();
          }
        };
        wake();
      }),
  };
}

describe('directory in the running hub', () => {
  it('reads the demo file, and nothing when nothing is configured', async () => {
    const demo = await openDirectorySource({ demoFile: DEMO_FILE }).current();
    expect(demo?.origin).toBe('demo-file');
    expect(demo?.services.length).toBeGreaterThanOrEqual(30);
    expect(await openDirectorySource({}).current()).toBeNull();
    expect(await openDirectorySource({ demoFile: path.join(await tempDir(), 'missing.json') }).current()).toBeNull();
  });

  it('refreshes the snapshot on schedule, logs codes and counts only, keeps the last good copy, and the source follows the file', async () => {
    const dir = await tempDir();
    const snapshotFile = path.join(dir, 'directory.snapshot.json');
    const feed = await readFile(DEMO_FILE, 'utf8');
    let answer: () => Response = () => new Response(feed, { status: 200 });
    const log = logger();
    const source = openDirectorySource({ snapshotFile });
    expect(await source.current()).toBeNull();

    const running = startDirectoryRefresh({ url: 'https://directory.example.org/services?key=SECRET', snapshotFile, intervalMs: 50, logger: log, fetch: async () => answer() });
    await log.next(1);
    // Every later tick fails (switched before anything else is awaited; the snapshot was saved before the log line).
    answer = () => new Response('nope', { status: 503 });
    expect(log.lines[0]).toMatchObject({ level: 'info', msg: 'directory refreshed', obj: { status: 'replaced', problems: 0 } });
    const first = await source.current();
    expect(first?.origin).toBe('snapshot');
    expect(first?.services.length).toBe(log.lines[0]?.obj.services);

    await log.next(2);
    await running.stop();
    expect(log.lines[1]).toMatchObject({ level: 'warn', obj: { status: 'kept-last-good', code: 'fetch.status', httpStatus: 503, problems: 0 } });
    expect(running.refresher.lastOutcome()).toMatchObject({ status: 'kept-last-good', code: 'fetch.status', httpStatus: 503 });
    expect((await source.current())?.services.length).toBe(first?.services.length);
    // The URL (and the key in it) never reaches a log line.
    expect(JSON.stringify(log.lines)).not.toContain('SECRET');
  });
});
