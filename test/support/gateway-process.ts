// The gateway (or any of the repo's TypeScript entry points) as a real child process: what
// production runs, so a test can SIGKILL it mid-request and start it again on the same
// PostgreSQL and Redis. Node is started directly with tsx as a loader (not through the tsx
// CLI, which would put a wrapper process between us and the gateway and take the signal).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { freePort } from './services.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const GATEWAY_MAIN = 'services/gateway/src/main.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface NodeProcessOptions {
  /** Entry point, relative to the repository root. */
  script: string;
  /** The child's whole environment besides PATH and HOME: nothing else is inherited. */
  env: Record<string, string>;
  /** Name of the env variable that carries the port (the gateway's is GATEWAY_PORT). */
  portVariable: string;
  /** Path polled until it answers 200; default `/livez`. */
  readyPath?: string;
  /** How long to wait for `readyPath`; default 30 s. */
  startTimeoutMs?: number;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /**
   * `capture` keeps stdout/stderr lines in memory (tests assert on them); a file path sends
   * both there instead, so a benchmark's load generator does not spend its CPU reading logs.
   */
  output?: 'capture' | { file: string };
}

export interface NodeProcess {
  pid: number;
  port: number;
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  /** Every line the child wrote to stdout, then stderr, in arrival order (capture mode). */
  lines: string[];
  stdout: string[];
  stderr: string[];
  /** Resolves when the child has exited. */
  exited: Promise<ExitInfo>;
  /** The log lines (JSON) parsed, skipping any that are not JSON. */
  logRecords(): Array<Record<string, unknown>>;
  /**
   * Whether a log line with this `msg` has arrived, waiting up to `timeoutMs` for it: a line
   * is written after the work it reports, and reaches us through a pipe some time later.
   */
  waitForLog(msg: string | RegExp, timeoutMs?: number): Promise<boolean>;
  /** Sends `signal` and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<ExitInfo>;
  /** SIGTERM, and SIGKILL if it has not exited within `timeoutMs` (default 15 s). */
  stop(timeoutMs?: number): Promise<ExitInfo>;
  /** VmRSS and VmHWM (peak resident set) from /proc, in KiB; undefined once exited. */
  memory(): { rssKiB: number; peakRssKiB: number } | undefined;
}

/** Every child still running, killed if the test process exits without stopping it. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const proc of running) proc.kill('SIGKILL');
    });
  }
}

function lineCollector(into: string[][]): (chunk: Buffer) => void {
  let partial = '';
  return (chunk) => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) for (const list of into) list.push(line);
  };
}

async function answers(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

function readProcStatus(pid: number): { rssKiB: number; peakRssKiB: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  const rssKiB = field('VmRSS');
  const peakRssKiB = field('VmHWM');
  return Number.isNaN(rssKiB) || Number.isNaN(peakRssKiB) ? undefined : { rssKiB, peakRssKiB };
}

async function launch(options: NodeProcessOptions, port: number): Promise<NodeProcess> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    ...options.env,
    [options.portVariable]: String(port),
  };
  const lines: string[] = [];
  const stdout: string[] = [];
  const stderr: string[] = [];
  let logFile: WriteStream | undefined;
  const capture = (options.output ?? 'capture') === 'capture';
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', options.script], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (capture) {
    child.stdout?.on('data', lineCollector([lines, stdout]));
    child.stderr?.on('data', lineCollector([lines, stderr]));
  } else {
    logFile = createWriteStream((options.output as { file: string }).file, { flags: 'a' });
    child.stdout?.pipe(logFile);
    child.stderr?.pipe(logFile);
  }
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      logFile?.end();
      resolve({ code, signal });
    });
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  track(child);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.script} started without a pid`);

  let exitInfo: ExitInfo | undefined;
  void exited.then((info) => {
    exitInfo = info;
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (!(await answers(`${baseUrl}${options.readyPath ?? '/livez'}`, 1_000))) {
    if (exitInfo) {
      const tail = lines.slice(-20).join('\n') || '(no output captured)';
      throw new Error(`${options.script} exited during start-up (code ${exitInfo.code}, signal ${exitInfo.signal}):\n${tail}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`${options.script} did not answer ${options.readyPath ?? '/livez'} within the start-up timeout:\n${lines.slice(-20).join('\n')}`);
    }
    await sleep(50);
  }

  const kill = async (signal: NodeJS.Signals): Promise<ExitInfo> => {
    if (!exitInfo) child.kill(signal);
    return exited;
  };
  return {
    pid,
    port,
    baseUrl,
    lines,
    stdout,
    stderr,
    exited,
    logRecords: () => parseLogLines(lines),
    async waitForLog(msg, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      const matches = (value: unknown): boolean => typeof value === 'string' && (typeof msg === 'string' ? value === msg : msg.test(value));
      let seen = 0;
      for (;;) {
        // Only lines that arrived since the last look need parsing.
        for (; seen < lines.length; seen++) {
          const line = lines[seen] as string;
          if (!line.startsWith('{')) continue;
          try {
            if (matches((JSON.parse(line) as { msg?: unknown }).msg)) return true;
          } catch {
            // a line cut short by SIGKILL
          }
        }
        if (Date.now() >= deadline) return false;
        await sleep(50);
      }
    },
    kill,
    async stop(timeoutMs = 15_000) {
      if (exitInfo) return exitInfo;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    memory: () => (exitInfo ? undefined : readProcStatus(pid)),
  };
}

/**
 * Starts a TypeScript entry point of this repository with node + tsx on a free port and waits
 * until it answers `readyPath`. A port taken between the probe and the child's listen is
 * retried on another port (the child exits at start-up).
 */
export async function startNodeProcess(options: NodeProcessOptions): Promise<NodeProcess> {
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await launch(options, await freePort());
    } catch (err) {
      lastError = err as Error;
      if (!/EADDRINUSE/.test(lastError.message)) break;
    }
  }
  throw lastError ?? new Error(`${options.script} did not start`);
}

export interface GatewayProcessOptions {
  /** Gateway settings (DATABASE_URL, REDIS_URL, HUB_QUEUE_PREFIX, HUB_CONFIG_DIR, …). */
  env: Record<string, string>;
  startTimeoutMs?: number;
  nodeArgs?: string[];
  output?: NodeProcessOptions['output'];
}

/** `services/gateway/src/main.ts` as a child process, listening on 127.0.0.1 on a free port. */
export function startGatewayProcess(options: GatewayProcessOptions): Promise<NodeProcess> {
  return startNodeProcess({
    script: GATEWAY_MAIN,
    env: { HOST: '127.0.0.1', LOG_LEVEL: 'info', ...options.env },
    portVariable: 'GATEWAY_PORT',
    ...(options.startTimeoutMs !== undefined ? { startTimeoutMs: options.startTimeoutMs } : {}),
    ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
    ...(options.output ? { output: options.output } : {}),
  });
}

export interface PartnerConfigDir {
  /** Pass as HUB_CONFIG_DIR. */
  dir: string;
  /** The partner's first (inline, demo) signing secret. */
  secretOf(partnerId: string): string;
  dispose(): Promise<void>;
}

const UNLIMITED = { requestsPerMinute: 1_000_000, burst: 1_000_000 };

/**
 * A copy of the demo configuration whose partners have very high rate limits, so a load test
 * measures intake and not the per-partner token bucket.
 */
export async function writeLoadPartnerConfig(): Promise<PartnerConfigDir> {
  const source = path.join(REPO_ROOT, 'config', 'demo');
  const dir = await mkdtemp(path.join(tmpdir(), 'hub-config-'));
  cpSync(source, dir, { recursive: true });
  const file = path.join(dir, 'partners.yaml');
  const doc = parseYaml(await readFile(file, 'utf8')) as { partners: Array<{ id: string; rateLimit: unknown; secrets: Array<{ value?: string }> }> };
  for (const partner of doc.partners) partner.rateLimit = { ...UNLIMITED };
  await writeFile(file, stringifyYaml(doc));
  return {
    dir,
    secretOf(partnerId) {
      const secret = doc.partners.find((p) => p.id === partnerId)?.secrets[0]?.value;
      if (!secret) throw new Error(`no partner ${partnerId} with an inline secret in the demo registry`);
      return secret;
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * A fresh master key for a gateway child: `env` is its HUB_MASTER_KEYS value, `keyring` what
 * the test's own store needs to read what the child stored (without loading the whole config).
 */
export function freshMasterKey(keyId: string): { env: string; keyring: { activeKeyId: string; keys: Record<string, Buffer> } } {
  const key = randomBytes(32);
  return { env: `${keyId}:${key.toString('base64')}`, keyring: { activeKeyId: keyId, keys: { [keyId]: key } } };
}

/** The JSON log records among a process's output lines (a line cut short by SIGKILL is skipped). */
export function parseLogLines(lines: readonly string[]): Array<Record<string, unknown>> {
  const records: Array<Record<string, unknown>> = [];
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    try {
      records.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a line cut short by SIGKILL
    }
  }
  return records;
}
