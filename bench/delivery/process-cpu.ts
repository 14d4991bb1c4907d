// CPU split over several server processes at once (gateway, router, delivery workers), built
// on bench/cpu-usage.ts: one sample per process, the machine-wide figures from the first.
// PostgreSQL is counted per backend here: bench/cpu-usage.ts sums the ticks of the `postgres`
// processes alive at each sample, so a backend that exits during a run (a pool closing idle
// connections after 30 s) takes all the CPU it ever used out of the second sum, and the
// PostgreSQL share comes out too low (and "other" too high) by that much.
import { readFileSync, readdirSync } from 'node:fs';
import { cpuBetween, sampleCpu, type CpuSample } from '../cpu-usage.ts';

/** USER_HZ: /proc/<pid>/stat counts clock ticks of 1/100 s on Linux. */
const TICKS_PER_SECOND = 100;

export interface ProcessCpuSample {
  byName: Array<{ name: string; sample: CpuSample }>;
  /** utime + stime per live `postgres` process. */
  postgres: Map<string, number>;
}

/** % of one core over an interval, per named process and for the rest of the machine. */
export interface ProcessCpuShare {
  byProcess: Record<string, number>;
  /** This process: the load generator, the webhook sink, the pollers. */
  bench: number;
  postgres: number;
  redis: number;
  /** Everything else: other processes on the machine, the kernel's own work. */
  other: number;
  machine: number;
}

function postgresTicksByPid(): Map<string, number> {
  const ticks = new Map<string, number>();
  for (const pid of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(pid)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    const close = stat.lastIndexOf(')');
    if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
    // Fields after the command name start with field 3 (state); utime and stime are 14 and 15.
    const fields = stat.slice(close + 2).split(' ');
    ticks.set(pid, Number(fields[11]) + Number(fields[12]));
  }
  return ticks;
}

export function sampleProcesses(pids: Record<string, number>, redisPid: number): ProcessCpuSample {
  const entries = Object.entries(pids);
  const byName = entries.length === 0 ? [{ name: '', sample: sampleCpu({ server: process.pid, redis: redisPid }) }] : entries.map(([name, pid]) => ({ name, sample: sampleCpu({ server: pid, redis: redisPid }) }));
  return { byName, postgres: postgresTicksByPid() };
}

export function cpuSplitBetween(before: ProcessCpuSample, after: ProcessCpuSample): ProcessCpuShare {
  const shares = before.byName.map((b, i) => ({ name: b.name, share: cpuBetween(b.sample, (after.byName[i] as ProcessCpuSample['byName'][number]).sample) }));
  const first = (shares[0] as (typeof shares)[number]).share;
  const byProcess: Record<string, number> = {};
  for (const s of shares) if (s.name !== '') byProcess[s.name] = s.share.server;
  // Backends alive at the end: what they used since the first sample (all of it, if they are new).
  let postgresTicks = 0;
  for (const [pid, ticks] of after.postgres) postgresTicks += Math.max(0, ticks - (before.postgres.get(pid) ?? 0));
  const firstBefore = (before.byName[0] as ProcessCpuSample['byName'][number]).sample;
  const firstAfter = (after.byName[0] as ProcessCpuSample['byName'][number]).sample;
  const postgres = (postgresTicks / TICKS_PER_SECOND / ((firstAfter.at - firstBefore.at) / 1000)) * 100;
  const servers = Object.values(byProcess).reduce((n, x) => n + x, 0);
  const other = Math.max(0, first.machine - servers - first.loadGenerator - postgres - first.redis);
  return { byProcess, bench: first.loadGenerator, postgres, redis: first.redis, other, machine: first.machine };
}
