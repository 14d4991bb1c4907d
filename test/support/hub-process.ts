// The whole hub (`services/hub/src/start.ts`: gateway, router, delivery workers, console) as a
// real child process, so a test can SIGKILL it in the middle of a delivery and start it again
// on the same PostgreSQL and Redis. The partner simulators run in the test process instead
// (HUB_START_SIMULATORS=false), so what partners received outlives the hub.
//
// Node is started directly with tsx as a loader, not through `node_modules/.bin/tsx`: the tsx
// CLI runs the script in a second node process, and a SIGKILL sent to the CLI cannot be relayed,
// so the hub would live on as an orphan, still holding its jobs.
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './services.ts';
import { parseLogLines } from './gateway-process.ts';


export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const HUB_START = 'services/hub/src/start.ts';
/** The line `start.ts` prints once every service is up and both ports listen. */
export const RUNNING_BANNER = 'Early Help Referral Hub is running';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface HubProcessOptions {
  /**
   * The hub's settings besides ports: DATABASE_URL, REDIS_URL, HUB_QUEUE_PREFIX, the
   * SIMULATOR_* URLs of simulators the test runs, retry schedule, … Nothing else is inherited
   * from the test process but PATH and HOME.
   */
  env: Record<string, string>;
  /** How long to wait for the banner; default 60 s. */
  startTimeoutMs?: number;
}

export interface HubProcess {
  pid: number;
  /** `http://127.0.0.1:<GATEWAY_PORT>` */
  gatewayUrl: string;
  /** `http://127.0.0.1:<CONSOLE_PORT>` (admin API) */
  consoleUrl: string;
  /** Every stdout and stderr line, in arrival order. */
  lines: string[];
  exited: Promise<ExitInfo>;
  /** The JSON log lines parsed (the banner and anything cut short by SIGKILL skipped). */
  logRecords(): Array<Record<string, unknown>>;
  /** Sends `signal` and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<ExitInfo>;
  /** SIGTERM, then SIGKILL if it has not exited within `timeoutMs` (default 20 s). */
  stop(timeoutMs?: number): Promise<ExitInfo>;
}

/** Children still running, killed if the test process exits without stopping them. */
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

function collectLines(into: string[]): (chunk: Buffer) => void {
  let partial = '';
  return (chunk) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    into.push(...parts);
  };
}

async function launch(options: HubProcessOptions, gatewayPort: number, consolePort: number): Promise<HubProcess> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    // Any free port for /metrics, so hubs started side by side do not collide on the default.
    HEALTH_PORT: '0',
    ...options.env,
    HUB_START_SIMULATORS: 'false',
    GATEWAY_PORT: String(gatewayPort),
    CONSOLE_PORT: String(consolePort),
  };
  const child = spawn(process.execPath, ['--import', 'tsx', HUB_START], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  child.stdout?.on('data', collectLines(lines));
  child.stderr?.on('data', collectLines(lines));
  let exitInfo: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  track(child);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${HUB_START} started without a pid`);

  // The banner is printed after both listen() calls resolve: there is no earlier event to use.
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  while (!lines.includes(RUNNING_BANNER)) {
    if (exitInfo) throw new Error(`${HUB_START} exited during start-up (code ${exitInfo.code}, signal ${exitInfo.signal}):\n${lines.slice(-20).join('\n')}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`${HUB_START} printed no "${RUNNING_BANNER}" within the start-up timeout:\n${lines.slice(-20).join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  const kill = async (signal: NodeJS.Signals): Promise<ExitInfo> => {
    if (!exitInfo) child.kill(signal);
    return exited;
  };
  return {
    pid,
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    consoleUrl: `http://127.0.0.1:${consolePort}`,
    lines,
    exited,
    logRecords: () => parseLogLines(lines),
    kill,
    async stop(timeoutMs = 20_000) {
      if (exitInfo) return exitInfo;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * Starts the hub on free ports and resolves once it prints that it is running. A port taken
 * between the probe and the child's listen is retried on fresh ports (the child exits).
 */
export async function startHubProcess(options: HubProcessOptions): Promise<HubProcess> {
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await launch(options, await freePort(), await freePort());
    } catch (err) {
      lastError = err as Error;
      if (!/EADDRINUSE/.test(lastError.message)) break;
    }
  }
  throw lastError ?? new Error(`${HUB_START} did not start`);
}

/** SIMULATOR_* settings on free local ports, for simulators the test starts itself. */
export async function simulatorEnv(): Promise<Record<string, string>> {
  const [webhook, fhir, smtp, notify] = [await freePort(), await freePort(), await freePort(), await freePort()];
  return {
    SIMULATOR_WEBHOOK_BASE_URL: `http://127.0.0.1:${webhook}`,
    SIMULATOR_FHIR_BASE_URL: `http://127.0.0.1:${fhir}/fhir`,
    SIMULATOR_SMTP_URL: `smtp://127.0.0.1:${smtp}`,
    SIMULATOR_NOTIFY_BASE_URL: `http://127.0.0.1:${notify}`,
  };
}
