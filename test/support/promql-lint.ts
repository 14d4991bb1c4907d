// Checks a PromQL expression with the Prometheus project's own grammar
// (@prometheus-io/lezer-promql, the parser behind the Prometheus UI's editor), then walks the
// tree for mistakes the grammar accepts but Prometheus or a reader would not:
//  - a metric that the hub does not expose (or a recorded series no rule records);
//  - a label matcher or `by (…)` label that none of the metrics involved carries;
//  - rate()/increase()/…_over_time() given an instant vector instead of a range;
//  - histogram_quantile() over an aggregation that drops `le`.
// Grafana's variables are replaced by sample values first; an unknown variable is a problem.
import { parser } from '@prometheus-io/lezer-promql';

const strictParser = parser.configure({ strict: true });
type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

export interface MetricInfo {
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  labels: readonly string[];
}

export interface MetricCatalogue {
  /** Metric name → type and label names (as the client library registers them). */
  metrics: ReadonlyMap<string, MetricInfo>;
  /** Series recorded by recording rules (`level:metric:ops`), with the labels they keep, if known. */
  recorded: ReadonlyMap<string, readonly string[] | undefined>;
  /** Labels every scraped series has besides its own: target labels and `service`. */
  targetLabels: readonly string[];
}

/** Series Prometheus makes itself for every target. */
export const SYNTHETIC_METRICS: ReadonlyMap<string, MetricInfo> = new Map([
  ['up', { type: 'gauge', labels: [] }],
  ['scrape_duration_seconds', { type: 'gauge', labels: [] }],
  ['scrape_samples_scraped', { type: 'gauge', labels: [] }],
]);

/** Grafana's built-in interval variables, replaced by a sample duration for parsing. */
const GRAFANA_DURATIONS = new Set(['__rate_interval', '__interval', '__range']);

/**
 * Replaces Grafana variables (`$name`, `${name}`, `${name:format}`, `[[name]]`) with values
 * that parse: durations for the built-in interval variables, `x` for dashboard variables.
 */
export function substituteGrafanaVariables(expr: string, dashboardVariables: ReadonlySet<string>): { expr: string; problems: string[] } {
  const problems: string[] = [];
  const out = expr.replace(/\$\{(\w+)(?::(\w+))?\}|\$(\w+)|\[\[(\w+)\]\]/g, (_m, braced: string | undefined, format: string | undefined, bare: string | undefined, old: string | undefined) => {
    const name = braced ?? bare ?? old ?? '';
    if (old !== undefined) problems.push(`uses the deprecated [[${name}]] syntax`);
    if (GRAFANA_DURATIONS.has(name)) return '5m';
    if (dashboardVariables.has(name)) {
      if (format !== undefined && !['regex', 'pipe', 'raw', 'text'].includes(format)) problems.push(`variable format ${format} does not suit PromQL`);
      return 'x';
    }
    problems.push(`unknown variable $${name}`);
    return 'x';
  });
  return { expr: out, problems };
}

/** Functions whose argument at the given index must be a range vector. */
const RANGE_ARGUMENT: Record<string, number> = {
  rate: 0,
  irate: 0,
  increase: 0,
  delta: 0,
  idelta: 0,
  deriv: 0,
  changes: 0,
  resets: 0,
  predict_linear: 0,
  holt_winters: 0,
  double_exponential_smoothing: 0,
  absent_over_time: 0,
  present_over_time: 0,
  avg_over_time: 0,
  min_over_time: 0,
  max_over_time: 0,
  sum_over_time: 0,
  count_over_time: 0,
  last_over_time: 0,
  stddev_over_time: 0,
  stdvar_over_time: 0,
  mad_over_time: 0,
  quantile_over_time: 1,
};

/** Children of a node (lezer gives siblings; this is easier to index). */
function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) out.push(child);
  return out;
}

/** The node itself and every node below it called `name`, in document order. */
function descendants(node: SyntaxNode, name: string): SyntaxNode[] {
  const own = node.name === name ? [node] : [];
  return [...own, ...children(node).flatMap((c) => descendants(c, name))];
}

/** The metric name a VectorSelector names, by identifier or by a `__name__="…"` matcher. */
function selectorName(selector: SyntaxNode, text: (n: SyntaxNode) => string): string | undefined {
  const identifier = children(selector).find((c) => c.name === 'Identifier');
  if (identifier) return text(identifier);
  for (const matcher of descendants(selector, 'UnquotedLabelMatcher')) {
    const [label, op, value] = children(matcher);
    if (label && op && value && text(label) === '__name__' && text(op) === '=') return JSON.parse(text(value)) as string;
  }
  return undefined;
}

/** Resolves a series name to the metric that exposes it (histogram suffixes included). */
export function resolveMetric(name: string, catalogue: MetricCatalogue): { labels: readonly string[] | undefined } | { problem: string } {
  if (name.includes(':')) {
    if (!catalogue.recorded.has(name)) return { problem: `no recording rule records ${name}` };
    return { labels: catalogue.recorded.get(name) };
  }
  const direct = catalogue.metrics.get(name) ?? SYNTHETIC_METRICS.get(name);
  if (direct) {
    if (direct.type === 'histogram') return { problem: `${name} is a histogram: use ${name}_bucket, _sum or _count` };
    return { labels: [...direct.labels, ...(direct.type === 'summary' ? ['quantile'] : [])] };
  }
  const suffix = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (suffix) {
    const base = catalogue.metrics.get(suffix[1] ?? '');
    if (base && (base.type === 'histogram' || base.type === 'summary')) {
      if (suffix[2] === 'bucket' && base.type !== 'histogram') return { problem: `${name}: a summary has no buckets` };
      return { labels: [...base.labels, ...(suffix[2] === 'bucket' ? ['le'] : [])] };
    }
  }
  return { problem: `unknown metric ${name}` };
}

/**
 * Problems with one PromQL expression: [] when it parses and every metric, label and function
 * argument checks out. Pass Grafana expressions through substituteGrafanaVariables first.
 */
export function promqlProblems(expr: string, catalogue: MetricCatalogue): string[] {
  let top: SyntaxNode;
  try {
    top = strictParser.parse(expr).topNode;
  } catch (err) {
    return [`does not parse: ${(err as Error).message}`];
  }
  const text = (n: SyntaxNode): string => expr.slice(n.from, n.to);
  const problems: string[] = [];

  // Labels each selector may be matched on; undefined = unknown (a recorded series), anything goes.
  const selectorLabels = new Map<number, readonly string[] | undefined>();
  for (const selector of descendants(top, 'VectorSelector')) {
    const name = selectorName(selector, text);
    if (name === undefined) {
      problems.push(`selector ${text(selector)} names no metric`);
      continue;
    }
    const resolved = resolveMetric(name, catalogue);
    if ('problem' in resolved) {
      problems.push(resolved.problem);
      selectorLabels.set(selector.from, undefined);
      continue;
    }
    const allowed = resolved.labels === undefined ? undefined : [...resolved.labels, ...catalogue.targetLabels, '__name__'];
    selectorLabels.set(selector.from, allowed);
    if (allowed === undefined) continue;
    for (const matcher of descendants(selector, 'UnquotedLabelMatcher')) {
      const label = children(matcher)[0];
      if (label && !allowed.includes(text(label))) problems.push(`${name} has no label ${text(label)}`);
    }
  }

  const labelsIn = (node: SyntaxNode): Set<string> | undefined => {
    const labels = new Set<string>();
    for (const selector of descendants(node, 'VectorSelector')) {
      const allowed = selectorLabels.get(selector.from);
      if (allowed === undefined) return undefined;
      for (const l of allowed) labels.add(l);
    }
    // label_replace/label_join can add any label.
    for (const call of descendants(node, 'FunctionIdentifier')) if (/^label_(replace|join)$/.test(text(call))) return undefined;
    return labels;
  };

  for (const aggregate of descendants(top, 'AggregateExpr')) {
    const modifier = children(aggregate).find((c) => c.name === 'AggregateModifier');
    const body = children(aggregate).find((c) => c.name === 'FunctionCallBody');
    if (!modifier || !body) continue;
    const available = labelsIn(body);
    if (!available) continue;
    for (const label of descendants(modifier, 'LabelName')) {
      if (!available.has(text(label))) problems.push(`${text(aggregate).slice(0, 40)}…: grouping label ${text(label)} is on none of its metrics`);
    }
  }

  for (const call of descendants(top, 'FunctionCall')) {
    const [identifier, body] = children(call);
    if (!identifier || !body) continue;
    const fn = text(identifier);
    const args = children(body);
    const rangeIndex = RANGE_ARGUMENT[fn];
    if (rangeIndex !== undefined) {
      const arg = args[rangeIndex];
      if (!arg || !['MatrixSelector', 'SubqueryExpr'].includes(arg.name)) problems.push(`${fn}() needs a range vector (e.g. metric[5m]), got ${arg ? text(arg) : 'nothing'}`);
    }
    if (fn === 'histogram_quantile') {
      const inner = args[1];
      if (inner?.name === 'AggregateExpr') {
        const modifier = children(inner).find((c) => c.name === 'AggregateModifier');
        const kind = modifier?.firstChild ? text(modifier.firstChild) : undefined;
        const grouped = modifier ? descendants(modifier, 'LabelName').map(text) : [];
        if (!modifier || (kind === 'by' && !grouped.includes('le')) || (kind === 'without' && grouped.includes('le'))) {
          problems.push('histogram_quantile() over an aggregation that drops le');
        }
      }
      if (inner && !descendants(inner, 'VectorSelector').some((s) => selectorName(s, text)?.endsWith('_bucket'))) problems.push('histogram_quantile() over no _bucket series');
    }
  }
  return problems;
}

/** Every metric name an expression selects (after Grafana substitution); [] if it does not parse. */
export function metricNamesIn(expr: string): string[] {
  let top: SyntaxNode;
  try {
    top = strictParser.parse(expr).topNode;
  } catch {
    return [];
  }
  const text = (n: SyntaxNode): string => expr.slice(n.from, n.to);
  return descendants(top, 'VectorSelector').flatMap((s) => selectorName(s, text) ?? []);
}
