/** One scripted answer, given `times` times (default once) before the next step or the default. */
export interface ScriptStep {
  /** HTTP status (or, for the SMTP sink, the SMTP reply code) to answer with. */
  status: number;
  times?: number;
  /** HTTP: a Retry-After header value (seconds, or an HTTP-date). */
  retryAfter?: string | number;
  /** HTTP: a JSON body to send instead of the default. */
  body?: unknown;
  /** Accept the request and never answer (until the simulator closes): a partner that hangs. */
  hang?: boolean;
}

/**
 * Scripted answers, per path or global. A path's own steps are used first, then the global
 * ones; with none left, the simulator behaves normally.
 */
export interface Script {
  add(step: ScriptStep, path?: string): void;
  /** The step for a request on `path` (consuming one use), or undefined for normal behaviour. */
  next(path: string): ScriptStep | undefined;
  clear(): void;
}

export function createScript(): Script {
  const global: { step: ScriptStep; left: number }[] = [];
  const byPath = new Map<string, { step: ScriptStep; left: number }[]>();
  const take = (queue: { step: ScriptStep; left: number }[] | undefined): ScriptStep | undefined => {
    const head = queue?.[0];
    if (!head || !queue) return undefined;
    head.left -= 1;
    if (head.left <= 0) queue.shift();
    return head.step;
  };
  return {
    add(step, path) {
      const entry = { step, left: step.times ?? 1 };
      if (path === undefined) global.push(entry);
      else byPath.set(path, [...(byPath.get(path) ?? []), entry]);
    },
    next(path) {
      return take(byPath.get(path)) ?? take(global);
    },
    clear() {
      global.length = 0;
      byPath.clear();
    },
  };
}
