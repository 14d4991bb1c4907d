// Summarises a V8 .cpuprofile (node --cpu-prof) so the benchmark can say where the gateway's
// time goes: busy time by stage of intake (each sample goes to the stage of the deepest frame
// on its stack that belongs to one), and the hottest functions by self time.

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
}

/** Stages, tested in order against a frame's URL (or function name for V8's own entries). */
const STAGES: Array<{ stage: string; test: (f: CallFrame) => boolean }> = [
  { stage: 'signature check (standardwebhooks, fast-sha256, errors thrown per failed secret)', test: (f) => /standardwebhooks|fast-sha256|@stablelib|gateway\/src\/signature\.ts/.test(f.url) },
  { stage: 'logging (pino, redaction, write)', test: (f) => /\/pino\/|@pinojs|sonic-boom|fast-redact|observability\/src/.test(f.url) },
  { stage: 'schema + domain validation (ajv, @hub/validation, @hub/domain)', test: (f) => /\/ajv|packages\/validation|packages\/domain/.test(f.url) || /^validate\d+$/.test(f.functionName) },
  { stage: 'JSON parse (secure-json-parse)', test: (f) => /secure-json-parse/.test(f.url) },
  { stage: 'store: encryption, batching (@hub/store)', test: (f) => /packages\/store/.test(f.url) },
  { stage: 'PostgreSQL driver (pg)', test: (f) => /\/pg\/|pg-protocol|pg-pool|pg-types/.test(f.url) },
  { stage: 'queue add (ioredis, bullmq, @hub/queues)', test: (f) => /ioredis|bullmq|packages\/queues|msgpackr/.test(f.url) },
  { stage: 'intake orchestration (gateway)', test: (f) => /services\/gateway/.test(f.url) },
  { stage: 'HTTP (fastify, node http)', test: (f) => /fastify|find-my-way|avvio|light-my-request|fast-json-stringify|node:_http|node:net|node:internal\/http/.test(f.url) },
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
export function summariseCpuProfile(profile: CpuProfile, limit = 25): string {
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
  const seconds = ((profile.endTime - profile.startTime) / 1e6).toFixed(1);
  return [
    `${all} samples over ${seconds} s, ${((busy / all) * 100).toFixed(0)} % busy; percentages below are of busy time`,
    '',
    'by stage (inclusive of node core work done for it):',
    ...top(byStage, STAGES.length + 4),
    '',
    'hottest functions (self time):',
    ...top(byFunction, limit),
  ].join('\n');
}

/** Of several profiles (one per thread: tsx runs a loader thread), the one with the most busy samples. */
export function busiestProfile(profiles: CpuProfile[]): CpuProfile | undefined {
  const busy = (p: CpuProfile): number => p.nodes.reduce((n, node) => n + (node.callFrame.functionName === '(idle)' ? 0 : (node.hitCount ?? 0)), 0);
  return [...profiles].sort((a, b) => busy(b) - busy(a))[0];
}
