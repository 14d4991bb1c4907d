// Summarises a V8 .cpuprofile of the delivery workers (node --cpu-prof): busy time by stage of
// one delivery (each sample goes to the stage of the deepest frame on its stack that belongs to
// one, so a socket write counts for whoever wrote: pg, ioredis or undici), the hottest functions
// by self time with file:line, and for the hottest native functions (socket writes, mostly) who
// called them. bench/cpu-profile.ts does the same for the gateway with the gateway's stages.
import type { CpuProfile } from '../cpu-profile.ts';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

/** Stages, tested in order against a frame's URL. */
const STAGES: Array<{ stage: string; test: (f: CallFrame) => boolean }> = [
  { stage: 'ledger: hash chain (@hub/ledger)', test: (f) => /packages\/ledger/.test(f.url) },
  { stage: 'store: decryption, checks, transactions (@hub/store)', test: (f) => /packages\/store/.test(f.url) },
  { stage: 'PostgreSQL driver (pg)', test: (f) => /\/pg\/|pg-protocol|pg-pool|pg-types|postgres-array|postgres-bytea|postgres-date/.test(f.url) },
  { stage: 'outbound signature (standardwebhooks)', test: (f) => /standardwebhooks|fast-sha256|@stablelib/.test(f.url) },
  { stage: 'HTTP client (fetch/undici)', test: (f) => /undici/.test(f.url) },
  { stage: 'adapters + breaker (@hub/adapters, opossum)', test: (f) => /packages\/adapters|opossum/.test(f.url) },
  { stage: 'queue (bullmq, ioredis, msgpackr)', test: (f) => /bullmq|ioredis|msgpackr|cluster-key-slot|@ioredis/.test(f.url) },
  { stage: 'logging (pino)', test: (f) => /\/pino\/|@pinojs|sonic-boom|fast-redact|observability\/src/.test(f.url) },
  { stage: 'delivery worker (services/delivery)', test: (f) => /services\/delivery/.test(f.url) },
  { stage: 'module loading (tsx, start-up)', test: (f) => /\/tsx\/|node:internal\/modules/.test(f.url) },
];

function stageOf(frame: CallFrame): string | undefined {
  return STAGES.find((s) => s.test(frame))?.stage;
}

function shortUrl(url: string): string {
  return url
    .replace(/^file:\/\//, '')
    .replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
    .replace(/^.*?\/((?:packages|services)\/)/, '$1');
}

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** Busy time by stage and the top `limit` functions by self time, as plain text. */
export function summariseDeliveryProfile(profile: CpuProfile, limit = 30): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const all = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
  let idle = 0;
  const byStage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += hits;
      continue;
    }
    let stage: string | undefined = SPECIAL.has(functionName) ? functionName : undefined;
    for (let id: number | undefined = node.id; stage === undefined && id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)?.callFrame;
      if (frame) stage = stageOf(frame);
    }
    stage ??= 'other (node core, microtasks, timers)';
    byStage.set(stage, (byStage.get(stage) ?? 0) + hits);
    const key = `${functionName || '(anonymous)'}${url ? `  ${shortUrl(url)}:${lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
  }
  const busy = all - idle;
  if (busy === 0) return '(no busy samples)';
  const pct = (hits: number): string => `${((hits / busy) * 100).toFixed(1).padStart(5)} %`;
  const top = (map: Map<string, number>, n: number): string[] =>
    [...map.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, n)
      .map(([name, hits]) => `${pct(hits)}  ${name}`);
  // Who called the hottest native functions (no URL: socket writes, crypto): the nearest frame
  // outside node's own files.
  const natives = [...byFunction.entries()].filter(([key]) => !key.includes('  ') && !SPECIAL.has(key)).sort((x, y) => y[1] - x[1]).slice(0, 3);
  const callers: string[] = [];
  for (const [name] of natives) {
    const byCaller = new Map<string, number>();
    for (const node of profile.nodes) {
      if ((node.hitCount ?? 0) === 0 || (node.callFrame.functionName || '(anonymous)') !== name || node.callFrame.url !== '') continue;
      let caller = '(no caller outside node core)';
      for (let id = parent.get(node.id); id !== undefined; id = parent.get(id)) {
        const frame = byId.get(id)?.callFrame;
        if (frame && frame.url !== '' && !frame.url.startsWith('node:')) {
          caller = `${frame.functionName || '(anonymous)'}  ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
          break;
        }
      }
      byCaller.set(caller, (byCaller.get(caller) ?? 0) + (node.hitCount ?? 0));
    }
    callers.push(`${name}:`, ...top(byCaller, 4).map((line) => `  ${line}`));
  }
  const seconds = ((profile.endTime - profile.startTime) / 1e6).toFixed(1);
  return [
    `${all} samples over ${seconds} s, ${((busy / all) * 100).toFixed(0)} % busy; percentages below are of busy time`,
    '',
    'by stage (inclusive of node core work done for it):',
    ...top(byStage, STAGES.length + 4),
    '',
    'hottest functions (self time):',
    ...top(byFunction, limit),
    '',
    'callers of the hottest native functions (self time, by nearest caller outside node core):',
    ...callers,
  ].join('\n');
}
