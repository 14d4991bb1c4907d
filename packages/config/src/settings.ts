import { fileURLToPath } from 'node:url';
import path from 'node:path';

export type HubMode = 'demo' | 'production';

export interface Keyring {
  activeKeyId: string;
  keys: Record<string, Buffer>;
}

/** Process settings, read once from the environment by `loadConfig`. */
export interface Settings {
  mode: HubMode;
  configDir: string;
  host: string;
  gatewayPort: number;
  databaseUrl: string | undefined;
  dataDir: string;
  redisUrl: string;
  /** Whether REDIS_URL was given explicitly (if not, `start` may launch a private redis-server). */
  redisUrlExplicit: boolean;
  queuePrefix: string;
  keyring: Keyring;
  /** True when the published demo master key is in use (never allowed in production). */
  demoMasterKey: boolean;
  bodyLimitBytes: number;
  signatureToleranceSeconds: number;
  allowTestNhsNumbers: boolean;
  logLevel: string;
  sweepIntervalMs: number;
  sweepMinAgeMs: number;
  /** Port of the console (the operators' admin API for now). */
  consolePort: number;
  /** Port of /livez and /readyz for services without an HTTP server of their own. */
  healthPort: number;
  /** Delivery retry delays in ms (first = the first try); undefined = DESIGN §4's schedule. */
  retryScheduleMs: number[] | undefined;
  /** How long a partner's circuit breaker stays open before a trial send. */
  breakerResetMs: number;
  /** Operator id → bearer token for the admin API (HUB_ADMIN_TOKENS="alice:token,bob:token"). */
  adminTokens: ReadonlyMap<string, string>;
  /** Whether `start` runs the local partner simulators (demo mode only). */
  startSimulators: boolean;
  /**
   * The console's accounts file (HUB_CONSOLE_ACCOUNTS). Demo mode defaults to the published demo
   * accounts; in production it is undefined unless set, and the console refuses to start without it.
   */
  consoleAccountsFile: string | undefined;
  /** Minutes without activity after which a console session ends (HUB_CONSOLE_IDLE_MINUTES). */
  consoleIdleMinutes: number;
  /**
   * GOV.UK Notify, for writing to families (acknowledging self-referrals). Undefined when not
   * configured: then no acknowledgement is queued. Demo mode points at the local simulator.
   */
  notify: NotifySettings | undefined;
  /** Feedback invitations to families whose case a recipient closed (issue 6; sent only when `notify` is set). */
  feedback: FeedbackSettings;
  /** Open Referral UK feed the scheduler refreshes the service directory from (HUB_DIRECTORY_URL); never logged. */
  directoryUrl: string | undefined;
  /** Minutes between directory refreshes (HUB_DIRECTORY_REFRESH_MINUTES, default 360). */
  directoryRefreshMinutes: number;
  /** The last good directory copy, under the data dir (written by the scheduler, read by the console). */
  directorySnapshotFile: string;
  /** Demo mode without HUB_DIRECTORY_URL: the checked-in demo directory; otherwise undefined. */
  directoryDemoFile: string | undefined;
}

export interface NotifySettings {
  /** NOTIFY_BASE_URL, e.g. https://api.notifications.service.gov.uk */
  baseUrl: string;
  /** NOTIFY_API_KEY (`<name>-<service id>-<secret>`): a secret, never logged. */
  apiKey: string;
  /** Plain http only for the local simulator (demo mode). */
  allowHttp: boolean;
  timeoutMs: number;
  /** NOTIFY_ACK_EMAIL_TEMPLATE_ID / NOTIFY_ACK_SMS_TEMPLATE_ID: Notify template ids (uuids). */
  acknowledgementEmailTemplateId: string;
  acknowledgementSmsTemplateId: string;
  /**
   * NOTIFY_ACK_HOLD_MINUTES (default 0): how long an acknowledgement waits after the routing
   * decided it, so that an operator can share signposting links that go into it.
   */
  acknowledgementHoldMs: number;
  /** NOTIFY_FEEDBACK_EMAIL_TEMPLATE_ID / NOTIFY_FEEDBACK_SMS_TEMPLATE_ID: the feedback invitation's templates. */
  feedbackEmailTemplateId: string;
  feedbackSmsTemplateId: string;
}

export interface FeedbackSettings {
  /** HUB_FEEDBACK_DELAY_MINUTES (default 20160 = 14 days): from a recipient closing the case to the invitation. */
  delayMs: number;
  /** HUB_FEEDBACK_TOKEN_TTL_DAYS (default 28): how long the invitation's link works. */
  tokenTtlDays: number;
  /**
   * HUB_FEEDBACK_FORM_URL: the council's feedback form; the link is `<formUrl>#token=<token>`.
   * Demo default `http://<HOST>:<GATEWAY_PORT>/feedback`; required in production when Notify is
   * configured (undefined otherwise).
   */
  formUrl: string | undefined;
}

/** Published on purpose: the demo Notify simulator's service and templates (demo mode only). */
export const DEMO_NOTIFY = {
  serviceId: '6f0e3a52-3c1e-4c8e-9d3b-5a1f2e7c9b10',
  secret: '1d2c3b4a-5e6f-4a8b-9c0d-1e2f3a4b5c6d',
  acknowledgementEmailTemplateId: 'a1c0e5d2-0b7e-4f3a-9e51-6c2d8b4f7a01',
  acknowledgementSmsTemplateId: 'b2d1f6e3-1c8f-4a4b-8f62-7d3e9c5a8b02',
  feedbackEmailTemplateId: '0588fe56-2cc3-44c6-89e4-57e296eb3cca',
  feedbackSmsTemplateId: '7d489743-ada2-4453-bb25-f8b6c96aa162',
} as const;

const UUID_SETTING = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function notifySettings(env: Env, mode: HubMode, problems: string[]): NotifySettings | undefined {
  const demo = mode === 'demo';
  const baseUrl = env.NOTIFY_BASE_URL ?? (demo ? (env.SIMULATOR_NOTIFY_BASE_URL ?? 'http://127.0.0.1:4012') : undefined);
  const apiKey = env.NOTIFY_API_KEY ?? (demo ? `hub_demo-${DEMO_NOTIFY.serviceId}-${DEMO_NOTIFY.secret}` : undefined);
  if (!baseUrl && !apiKey) return undefined;
  if (!baseUrl || !apiKey) {
    problems.push('NOTIFY_BASE_URL and NOTIFY_API_KEY must be set together');
    return undefined;
  }
  let url: URL | undefined;
  try {
    url = new URL(baseUrl);
  } catch {
    problems.push('NOTIFY_BASE_URL must be a URL');
  }
  if (url && url.protocol !== 'https:' && !(demo && url.protocol === 'http:')) problems.push('NOTIFY_BASE_URL must be https (plain http only for the demo simulator)');
  // The key is checked for shape without quoting it in the problem.
  if (!new RegExp(`^.+-${UUID_SETTING.source.slice(1, -1)}-${UUID_SETTING.source.slice(1, -1)}$`, 'i').test(apiKey)) problems.push('NOTIFY_API_KEY must have the form <name>-<service id uuid>-<secret uuid>');
  const email = env.NOTIFY_ACK_EMAIL_TEMPLATE_ID ?? (demo ? DEMO_NOTIFY.acknowledgementEmailTemplateId : '');
  const sms = env.NOTIFY_ACK_SMS_TEMPLATE_ID ?? (demo ? DEMO_NOTIFY.acknowledgementSmsTemplateId : '');
  if (!UUID_SETTING.test(email)) problems.push('NOTIFY_ACK_EMAIL_TEMPLATE_ID must be a Notify template id (uuid)');
  if (!UUID_SETTING.test(sms)) problems.push('NOTIFY_ACK_SMS_TEMPLATE_ID must be a Notify template id (uuid)');
  const feedbackEmail = env.NOTIFY_FEEDBACK_EMAIL_TEMPLATE_ID ?? (demo ? DEMO_NOTIFY.feedbackEmailTemplateId : '');
  const feedbackSms = env.NOTIFY_FEEDBACK_SMS_TEMPLATE_ID ?? (demo ? DEMO_NOTIFY.feedbackSmsTemplateId : '');
  if (!UUID_SETTING.test(feedbackEmail)) problems.push('NOTIFY_FEEDBACK_EMAIL_TEMPLATE_ID must be a Notify template id (uuid)');
  if (!UUID_SETTING.test(feedbackSms)) problems.push('NOTIFY_FEEDBACK_SMS_TEMPLATE_ID must be a Notify template id (uuid)');
  return {
    baseUrl,
    apiKey,
    allowHttp: demo && url?.protocol === 'http:',
    timeoutMs: intSetting(env, 'NOTIFY_TIMEOUT_MS', 10_000, 100, 120_000, problems),
    acknowledgementEmailTemplateId: email,
    acknowledgementSmsTemplateId: sms,
    acknowledgementHoldMs: minutesSetting(env, 'NOTIFY_ACK_HOLD_MINUTES', 0, 7 * 24 * 60, problems),
    feedbackEmailTemplateId: feedbackEmail,
    feedbackSmsTemplateId: feedbackSms,
  };
}

/**
 * Feedback invitations. The form URL is checked as https (http only in demo mode), without a
 * fragment (the token goes there); problems name the variable and never quote the value.
 */
function feedbackSettings(env: Env, mode: HubMode, notifyConfigured: boolean, host: string, gatewayPort: number, problems: string[]): FeedbackSettings {
  const demo = mode === 'demo';
  const raw = env.HUB_FEEDBACK_FORM_URL && env.HUB_FEEDBACK_FORM_URL !== '' ? env.HUB_FEEDBACK_FORM_URL : undefined;
  let formUrl = raw ?? (demo ? `http://${host.includes(':') ? `[${host}]` : host}:${gatewayPort}/feedback` : undefined);
  if (raw !== undefined) {
    const url = URL.canParse(raw) ? new URL(raw) : undefined;
    if (!url || (url.protocol !== 'https:' && !(demo && url.protocol === 'http:'))) {
      problems.push(`HUB_FEEDBACK_FORM_URL must be an https:// URL${demo ? ' (http:// is allowed in demo mode)' : ''}`);
      formUrl = undefined;
    } else if (raw.includes('#')) {
      problems.push('HUB_FEEDBACK_FORM_URL must not have a #fragment: the hub puts the token there');
      formUrl = undefined;
    }
  } else if (!demo && notifyConfigured) {
    problems.push("HUB_FEEDBACK_FORM_URL is required when Notify is configured: the https:// address of the council's feedback form");
  }
  return {
    delayMs: minutesSetting(env, 'HUB_FEEDBACK_DELAY_MINUTES', 20_160, 365 * 24 * 60, problems),
    tokenTtlDays: intSetting(env, 'HUB_FEEDBACK_TOKEN_TTL_DAYS', 28, 1, 366, problems),
    formUrl,
  };
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Published on purpose: only for demo mode, so a fresh clone starts with no setup. */
const DEMO_MASTER_KEYS = 'demo-2026:nBjdh/zMiVy2FsCUi54+j6Hp0cy/2hdZ4svY3ctT3K0=';

/** Published on purpose: only for demo mode, so the admin API works from a fresh clone. */
const DEMO_ADMIN_TOKENS = 'demo-operator:demo-operator-token';

/** Published on purpose: only for demo mode; `hub console hash-password` makes real ones. */
export const DEMO_CONSOLE_ACCOUNTS_FILE = path.join(repoRoot, 'config', 'console-accounts.demo.yaml');

/** The checked-in demo service directory (Open Referral UK format). */
export const DEMO_DIRECTORY_FILE = path.join(repoRoot, 'config', 'demo', 'directory.oruk.json');

/** The Standard Webhooks library fixes its own window at 300 s; ours may only be narrower. */
export const MAX_SIGNATURE_TOLERANCE_SECONDS = 300;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type Env = Record<string, string | undefined>;

function intSetting(env: Env, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[0-9]+$/.test(raw)) {
    problems.push(`${name} must be a whole number`);
    return fallback;
  }
  const value = Number(raw);
  if (value < min || value > max) problems.push(`${name} must be between ${min} and ${max}`);
  return value;
}

/**
 * A duration in minutes, returned in milliseconds: whole minutes, or a decimal with up to three
 * places (e.g. 0.05 = 3 seconds, for tests and rehearsals).
 */
function minutesSetting(env: Env, name: string, fallbackMinutes: number, maxMinutes: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallbackMinutes * 60_000;
  if (!/^[0-9]{1,7}(\.[0-9]{1,3})?$/.test(raw)) {
    problems.push(`${name} must be a number of minutes (e.g. 20160, or 0.05 for 3 seconds)`);
    return fallbackMinutes * 60_000;
  }
  const minutes = Number(raw);
  if (minutes > maxMinutes) problems.push(`${name} must be between 0 and ${maxMinutes}`);
  return Math.round(minutes * 60_000);
}

function boolSetting(env: Env, name: string, fallback: boolean, problems: string[]): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  problems.push(`${name} must be true or false`);
  return fallback;
}

/**
 * Parses a keyring of the form `id:base64key[,id:base64key…]`; the first key is the active one,
 * later ones stay readable for rotation. Problems never quote key material.
 */
export function parseKeyring(raw: string, name: string, problems: string[]): Keyring | undefined {
  const keys: Record<string, Buffer> = {};
  let activeKeyId: string | undefined;
  const parts = raw.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) {
    problems.push(`${name} is empty`);
    return undefined;
  }
  parts.forEach((part, index) => {
    const colon = part.indexOf(':');
    const id = colon > 0 ? part.slice(0, colon) : '';
    const b64 = colon > 0 ? part.slice(colon + 1) : '';
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) {
      problems.push(`${name} entry ${index + 1} must look like <key-id>:<base64 of 32 bytes>`);
      return;
    }
    const key = /^[A-Za-z0-9+/]+={0,2}$/.test(b64) ? Buffer.from(b64, 'base64') : Buffer.alloc(0);
    if (key.length !== 32) {
      problems.push(`${name} key "${id}" must be 32 bytes, base64-encoded`);
      return;
    }
    if (keys[id]) problems.push(`${name} key id "${id}" appears twice`);
    keys[id] = key;
    activeKeyId ??= id;
  });
  return activeKeyId ? { activeKeyId, keys } : undefined;
}

export function loadSettings(env: Env, problems: string[]): Settings {
  const modeRaw = env.HUB_MODE ?? 'demo';
  let mode: HubMode = 'demo';
  if (modeRaw === 'demo' || modeRaw === 'production') mode = modeRaw;
  else problems.push('HUB_MODE must be "demo" or "production"');

  const configDir = path.resolve(env.HUB_CONFIG_DIR ?? path.join(repoRoot, 'config', 'demo'));
  const databaseUrl = env.DATABASE_URL && env.DATABASE_URL !== '' ? env.DATABASE_URL : undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) problems.push('DATABASE_URL must be a postgres:// URL');
  const redisUrlExplicit = env.REDIS_URL !== undefined && env.REDIS_URL !== '';
  const redisUrl = redisUrlExplicit ? (env.REDIS_URL as string) : 'redis://127.0.0.1:6379';
  if (!/^rediss?:\/\//.test(redisUrl)) problems.push('REDIS_URL must be a redis:// or rediss:// URL');

  let keyring: Keyring | undefined;
  let demoMasterKey = false;
  if (env.HUB_MASTER_KEYS) {
    keyring = parseKeyring(env.HUB_MASTER_KEYS, 'HUB_MASTER_KEYS', problems);
  } else if (mode === 'production') {
    problems.push('HUB_MASTER_KEYS is required in production (e.g. "k1:<base64 of 32 random bytes>")');
  } else {
    keyring = parseKeyring(DEMO_MASTER_KEYS, 'demo key', problems);
    demoMasterKey = true;
  }

  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const queuePrefix = env.HUB_QUEUE_PREFIX ?? 'hub';
  if (!/^[A-Za-z0-9_{}-]{1,64}$/.test(queuePrefix)) problems.push('HUB_QUEUE_PREFIX may hold letters, digits, _ - { } only');

  if (mode === 'production' && boolSetting(env, 'HUB_START_SIMULATORS', false, [])) problems.push('HUB_START_SIMULATORS is for demo mode only');
  let retryScheduleMs: number[] | undefined;
  if (env.HUB_RETRY_SCHEDULE_MS) {
    const parts = env.HUB_RETRY_SCHEDULE_MS.split(',').map((p) => p.trim());
    if (parts.length === 0 || parts.length > 50 || parts.some((p) => !/^[0-9]{1,10}$/.test(p))) problems.push('HUB_RETRY_SCHEDULE_MS must be comma-separated whole milliseconds, e.g. 0,5000,300000');
    else retryScheduleMs = parts.map(Number);
  }

  const adminTokens = new Map<string, string>();
  const adminRaw = env.HUB_ADMIN_TOKENS ?? (mode === 'demo' ? DEMO_ADMIN_TOKENS : '');
  for (const [index, entry] of adminRaw.split(',').map((e) => e.trim()).filter((e) => e !== '').entries()) {
    const colon = entry.indexOf(':');
    const operatorId = entry.slice(0, colon);
    const token = entry.slice(colon + 1);
    if (colon <= 0 || !/^[a-z0-9][a-z0-9._-]{1,63}$/.test(operatorId)) problems.push(`HUB_ADMIN_TOKENS entry ${index + 1} must look like <operator-id>:<token>`);
    else if (token.length < (mode === 'production' ? 32 : 8)) problems.push(`HUB_ADMIN_TOKENS token for "${operatorId}" is too short (${mode === 'production' ? 32 : 8} characters at least)`);
    else adminTokens.set(operatorId, token);
  }

  const directoryUrl = env.HUB_DIRECTORY_URL && env.HUB_DIRECTORY_URL !== '' ? env.HUB_DIRECTORY_URL : undefined;
  if (directoryUrl !== undefined) {
    const protocol = URL.canParse(directoryUrl) ? new URL(directoryUrl).protocol : '';
    // The value is never quoted: a feed URL may carry an API key.
    if (protocol !== 'https:' && !(mode === 'demo' && protocol === 'http:')) problems.push(`HUB_DIRECTORY_URL must be an https:// URL${mode === 'demo' ? ' (http:// is allowed in demo mode)' : ''}`);
  }
  const dataDir = path.resolve(env.HUB_DATA_DIR ?? path.join(repoRoot, 'data'));

  // Only the console needs accounts: it refuses to start without them (other services do not care).
  const consoleAccountsFile = env.HUB_CONSOLE_ACCOUNTS ? path.resolve(env.HUB_CONSOLE_ACCOUNTS) : mode === 'demo' ? DEMO_CONSOLE_ACCOUNTS_FILE : undefined;

  const host = env.HOST ?? '127.0.0.1';
  const gatewayPort = intSetting(env, 'GATEWAY_PORT', 8080, 0, 65535, problems);
  const notify = notifySettings(env, mode, problems);

  return {
    mode,
    configDir,
    host,
    gatewayPort,
    databaseUrl,
    dataDir,
    redisUrl,
    redisUrlExplicit,
    queuePrefix,
    keyring: keyring ?? { activeKeyId: 'invalid', keys: {} },
    demoMasterKey,
    bodyLimitBytes: intSetting(env, 'HUB_BODY_LIMIT', 256 * 1024, 1024, 16 * 1024 * 1024, problems),
    signatureToleranceSeconds: intSetting(env, 'HUB_SIGNATURE_TOLERANCE_S', 300, 1, MAX_SIGNATURE_TOLERANCE_SECONDS, problems),
    allowTestNhsNumbers: boolSetting(env, 'HUB_ALLOW_TEST_NHS_NUMBERS', mode === 'demo', problems),
    logLevel,
    sweepIntervalMs: intSetting(env, 'HUB_SWEEP_INTERVAL_MS', 5000, 50, 3_600_000, problems),
    sweepMinAgeMs: intSetting(env, 'HUB_SWEEP_MIN_AGE_MS', 10_000, 0, 3_600_000, problems),
    consolePort: intSetting(env, 'CONSOLE_PORT', 8090, 0, 65535, problems),
    healthPort: intSetting(env, 'HEALTH_PORT', 9464, 0, 65535, problems),
    retryScheduleMs,
    breakerResetMs: intSetting(env, 'HUB_BREAKER_RESET_MS', 30_000, 50, 3_600_000, problems),
    adminTokens,
    startSimulators: boolSetting(env, 'HUB_START_SIMULATORS', mode === 'demo', problems),
    consoleAccountsFile,
    consoleIdleMinutes: intSetting(env, 'HUB_CONSOLE_IDLE_MINUTES', 20, 1, 24 * 60, problems),
    directoryUrl,
    directoryRefreshMinutes: intSetting(env, 'HUB_DIRECTORY_REFRESH_MINUTES', 360, 1, 7 * 24 * 60, problems),
    directorySnapshotFile: path.join(dataDir, 'directory.snapshot.json'),
    directoryDemoFile: mode === 'demo' && directoryUrl === undefined ? DEMO_DIRECTORY_FILE : undefined,
    notify,
    feedback: feedbackSettings(env, mode, notify !== undefined, host, gatewayPort, problems),
  };
}
