// Where the machine's CPU went during a benchmark run, from /proc: the server under test, this
// process (the load generator), PostgreSQL (every `postgres` process), Redis, and whatever else
// was running — on a shared 2-core machine the last figure says whether a run was disturbed.
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';

/** USER_HZ: /proc/<pid>/stat counts clock ticks of 1/100 s on Linux. */
const TICKS_PER_SECOND = 100;

export interface CpuSample {
  at: number;
  serverTicks: number;
  loadGeneratorMicros: number;
  postgresTicks: number;
  redisTicks: number;
  machineBusyTicks: number;
  machineTotalTicks: number;
}

/** % of one core over an interval. */
export interface CpuShare {
  server: number;
  loadGenerator: number;
  postgres: number;
  redis: number;
  /** Everything else: other processes on the machine, the kernel's own work. */
  other: number;
  machine: number;
}

function processStat(pid: number | string): { comm: string; ticks: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  // Fields after the command name start with field 3 (state); utime and stime are 14 and 15.
  const fields = stat.slice(close + 2).split(' ');
  return { comm: stat.slice(open + 1, close), ticks: Number(fields[11]) + Number(fields[12]) };
}

function postgresTicks(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    const stat = processStat(entry);
    if (stat?.comm === 'postgres') total += stat.ticks;
  }
  return total;
}

function machineTicks(): { busy: number; total: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((n, x) => n + x, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

export function sampleCpu(pids: { server: number; redis?: number }): CpuSample {
  const usage = process.cpuUsage();
  const machine = machineTicks();
  return {
    at: Date.now(),
    serverTicks: processStat(pids.server)?.ticks ?? 0,
    loadGeneratorMicros: usage.user + usage.system,
    postgresTicks: postgresTicks(),
    redisTicks: pids.redis !== undefined ? (processStat(pids.redis)?.ticks ?? 0) : 0,
    machineBusyTicks: machine.busy,
    machineTotalTicks: machine.total,
  };
}

export function cpuBetween(before: CpuSample, after: CpuSample): CpuShare {
  const wallS = (after.at - before.at) / 1000;
  const share = (ticks: number): number => (ticks / TICKS_PER_SECOND / wallS) * 100;
  const server = share(after.serverTicks - before.serverTicks);
  const loadGenerator = ((after.loadGeneratorMicros - before.loadGeneratorMicros) / 1e6 / wallS) * 100;
  const postgres = share(Math.max(0, after.postgresTicks - before.postgresTicks));
  const redis = share(after.redisTicks - before.redisTicks);
  const machine = ((after.machineBusyTicks - before.machineBusyTicks) / (after.machineTotalTicks - before.machineTotalTicks)) * 100 * os.availableParallelism();
  return { server, loadGenerator, postgres, redis, other: Math.max(0, machine - server - loadGenerator - postgres - redis), machine };
}

/**
 * Waits (bounded) until the machine has been nearly idle for a second, so that a run does not
 * start while something else is busy. Returns the last busy figure (% of one core) and how
 * long it waited; never throws — a machine that stays busy is reported, not hidden.
 */
export async function waitForQuietMachine(opts: { maxBusyPct: number; timeoutMs: number }): Promise<{ busyPct: number; waitedMs: number; quiet: boolean }> {
  const started = Date.now();
  for (;;) {
    const before = machineTicks();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = machineTicks();
    const busyPct = ((after.busy - before.busy) / (after.total - before.total)) * 100 * os.availableParallelism();
    const waitedMs = Date.now() - started;
    if (busyPct <= opts.maxBusyPct) return { busyPct, waitedMs, quiet: true };
    if (waitedMs >= opts.timeoutMs) return { busyPct, waitedMs, quiet: false };
  }
}
