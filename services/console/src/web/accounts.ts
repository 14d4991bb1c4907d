// Console accounts: a YAML file of usernames, roles and scrypt password hashes, checked against
// schemas/config/console-accounts.v1.json. Passwords are never stored or compared in plain text.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { ConfigError, DEMO_CONSOLE_ACCOUNTS_FILE, type HubMode } from '@hub/config';
import type { ConsoleRole } from './context.ts';
import type { ConsoleAccountsFile } from './generated/console-accounts.ts';

export interface ConsoleAccount {
  username: string;
  role: ConsoleRole;
  passwordHash: string;
}

/** The accounts as loaded from one version of the file. */
export interface AccountDirectory {
  get(username: string): ConsoleAccount | undefined;
  all(): readonly ConsoleAccount[];
}

/** scrypt cost: N = 2^14 (16 MiB of memory per check), r = 8, p = 1 — the floor we accept. */
export const SCRYPT_DEFAULTS = { N: 16384, r: 8, p: 1 } as const;
const MIN_N = 16384;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

function scryptAsync(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

/** Parses `scrypt$N$r$p$saltB64$hashB64`; undefined when it is not one we accept. */
export function parsePasswordHash(encoded: string): ParsedHash | undefined {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const b64 = /^[A-Za-z0-9+/]+={0,2}$/;
  if (!b64.test(parts[4] as string) || !b64.test(parts[5] as string)) return undefined;
  const salt = Buffer.from(parts[4] as string, 'base64');
  const hash = Buffer.from(parts[5] as string, 'base64');
  // Powers of two only (scrypt's requirement), and bounds that keep one check affordable.
  if (!Number.isInteger(N) || N < MIN_N || N > 2 ** 20 || (N & (N - 1)) !== 0) return undefined;
  if (!Number.isInteger(r) || r < 8 || r > 32 || !Number.isInteger(p) || p < 1 || p > 16) return undefined;
  if (salt.length < 16 || hash.length < 32 || hash.length > 64) return undefined;
  return { N, r, p, salt, hash };
}

function scryptOptions(parsed: { N: number; r: number; p: number }): ScryptOptions {
  // Node refuses more than 32 MiB by default; scrypt needs 128·N·r bytes (and a little more).
  return { N: parsed.N, r: parsed.r, p: parsed.p, maxmem: 256 * parsed.N * parsed.r };
}

/** A self-describing scrypt hash: `scrypt$N$r$p$<salt base64>$<hash base64>`. */
export async function hashPassword(password: string, params: { N: number; r: number; p: number } = SCRYPT_DEFAULTS): Promise<string> {
  if (password.length === 0) throw new TypeError('the password is empty');
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptAsync(password.normalize('NFC'), salt, KEY_BYTES, scryptOptions(params));
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** True when `password` matches; false for a wrong password or a hash we do not accept. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parsePasswordHash(encoded);
  if (!parsed) return false;
  const candidate = await scryptAsync(password.normalize('NFC'), parsed.salt, parsed.hash.length, scryptOptions(parsed));
  return timingSafeEqual(candidate, parsed.hash);
}

let dummyHash: Promise<string> | undefined;
/**
 * For unknown usernames: verifying against this costs what a real check costs, so the answer's
 * timing does not tell whether the account exists.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(password, await dummyHash);
  return false;
}

const schemaPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../schemas/config/console-accounts.v1.json');
let compiled: ReturnType<Ajv2020['compile']> | undefined;
function accountsValidator(): ReturnType<Ajv2020['compile']> {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    compiled = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
  }
  return compiled;
}

function directoryOf(accounts: ConsoleAccount[]): AccountDirectory {
  const byName = new Map(accounts.map((a) => [a.username, a]));
  return { get: (username) => byName.get(username), all: () => accounts };
}

function demoHashes(): Set<string> {
  try {
    const doc = parseYaml(readFileSync(DEMO_CONSOLE_ACCOUNTS_FILE, 'utf8')) as ConsoleAccountsFile;
    return new Set(doc.accounts.map((a) => a.passwordHash));
  } catch {
    return new Set();
  }
}

/**
 * Reads and checks an accounts file. Every problem is pushed to `problems` (naming the place,
 * never a hash); with any problem the result is undefined. In production the published demo
 * accounts are refused.
 */
export function loadAccounts(file: string, mode: HubMode, problems: string[]): AccountDirectory | undefined {
  const label = path.relative(process.cwd(), file) || file;
  if (!existsSync(file)) {
    problems.push(`${label}: file not found (set HUB_CONSOLE_ACCOUNTS to the console accounts file)`);
    return undefined;
  }
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    problems.push(`${label}: not valid YAML (${(err as Error).message.split('\n')[0]})`);
    return undefined;
  }
  const before = problems.length;
  const validate = accountsValidator();
  if (!validate(doc)) {
    for (const e of validate.errors ?? []) {
      const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : '';
      // The pattern of a hash is long and says nothing to a reader; say what is expected instead.
      const message = e.keyword === 'pattern' && e.instancePath.endsWith('/passwordHash') ? 'must be a scrypt hash made by `pnpm hub console hash-password`' : (e.message ?? 'is invalid');
      problems.push(`${label} ${e.instancePath || '/'}: ${message}${extra}`);
    }
    return undefined;
  }
  const entries = (doc as ConsoleAccountsFile).accounts;
  const seen = new Set<string>();
  const published = mode === 'production' ? demoHashes() : new Set<string>();
  entries.forEach((entry, index) => {
    if (seen.has(entry.username)) problems.push(`${label} /accounts/${index}/username: "${entry.username}" appears twice`);
    seen.add(entry.username);
    if (!parsePasswordHash(entry.passwordHash)) problems.push(`${label} /accounts/${index}/passwordHash: must be scrypt with N a power of two of at least ${MIN_N}, r >= 8, a salt of 16 bytes or more and a hash of 32 bytes or more`);
    if (published.has(entry.passwordHash)) problems.push(`${label} /accounts/${index}/passwordHash: this is a published demo password; never use it in production`);
  });
  if (problems.length > before) return undefined;
  return directoryOf(entries.map((e) => ({ username: e.username, role: e.role, passwordHash: e.passwordHash })));
}

export const ACCOUNTS_REQUIRED = 'HUB_CONSOLE_ACCOUNTS is required in production (the path of a console accounts YAML file; see docs/operations.md)';

/**
 * The accounts of a running console, re-readable on request (config.reload). A reload that finds
 * problems keeps the accounts already loaded.
 */
export class AccountBook {
  #current: AccountDirectory;
  readonly file: string;
  constructor(
    file: string | undefined,
    readonly mode: HubMode,
  ) {
    if (file === undefined) throw new ConfigError([ACCOUNTS_REQUIRED]);
    this.file = file;
    const problems: string[] = [];
    const loaded = loadAccounts(file, mode, problems);
    if (!loaded) throw new ConfigError(problems);
    this.#current = loaded;
  }

  get(username: string): ConsoleAccount | undefined {
    return this.#current.get(username);
  }

  all(): readonly ConsoleAccount[] {
    return this.#current.all();
  }

  /** Re-reads the file: `ok` with the new accounts in force, or the problems with the old ones kept. */
  reload(): { ok: true; accounts: number } | { ok: false; problems: string[] } {
    const problems: string[] = [];
    const loaded = loadAccounts(this.file, this.mode, problems);
    if (!loaded) return { ok: false, problems };
    this.#current = loaded;
    return { ok: true, accounts: loaded.all().length };
  }
}
