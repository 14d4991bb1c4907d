import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, DEMO_CONSOLE_ACCOUNTS_FILE, loadSettings } from '@hub/config';
import { CONSOLE_CONFIG_TARGETS, generateConsoleConfigType, readCommitted } from '../../scripts/generate-config-types.ts';
import { AccountBook, hashPassword, loadAccounts, parsePasswordHash, verifyAgainstDummy, verifyPassword } from './accounts.ts';
import { consoleCommand } from './password-cli.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'console-accounts-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
function accountsFile(text: string): string {
  fileCount += 1;
  const file = path.join(dir, `accounts-${fileCount}.yaml`);
  writeFileSync(file, text);
  return file;
}

const DEMO_PASSWORDS = { viewer: 'demo-viewer-pass', operator: 'demo-operator-pass', dpo: 'demo-dpo-pass', admin: 'demo-admin-pass' };

describe('password hashes', () => {
  it('round-trips through scrypt, and a wrong password does not match', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
    // Same password, new salt: a different hash.
    expect(await hashPassword('correct horse battery staple')).not.toBe(hash);
  });

  it('never accepts a plain, weak or malformed hash', async () => {
    const good = await hashPassword('another-password');
    const [, , r, p, salt, key] = good.split('$');
    for (const bad of ['demo-admin-pass', '', `scrypt$1024$${r}$${p}$${salt}$${key}`, `scrypt$20000$${r}$${p}$${salt}$${key}`, `scrypt$16384$1$${p}$${salt}$${key}`, `scrypt$16384$${r}$${p}$c2FsdA==$${key}`, `bcrypt$16384$${r}$${p}$${salt}$${key}`, `${good}$extra`]) {
      expect(parsePasswordHash(bad), bad).toBeUndefined();
      expect(await verifyPassword('another-password', bad)).toBe(false);
    }
    expect(await verifyAgainstDummy('anything')).toBe(false);
  });

  it('matches the published demo passwords in the demo accounts file', async () => {
    const accounts = loadAccounts(DEMO_CONSOLE_ACCOUNTS_FILE, 'demo', []);
    expect(accounts?.all().map((a) => [a.username, a.role])).toEqual([
      ['viewer', 'viewer'],
      ['operator', 'operator'],
      ['dpo', 'dpo'],
      ['admin', 'admin'],
    ]);
    for (const [username, password] of Object.entries(DEMO_PASSWORDS)) expect(await verifyPassword(password, accounts?.get(username)?.passwordHash ?? '')).toBe(true);
  });
});

describe('the accounts file', () => {
  it('lists every problem at once, naming the place and never a hash', async () => {
    const hash = await hashPassword('a-fine-password');
    const file = accountsFile(`accounts:
  - username: Alice
    role: superuser
    passwordHash: hunter2
  - username: bob
    role: viewer
  - username: carol
    role: dpo
    passwordHash: ${hash}
    shoeSize: 9
`);
    const problems: string[] = [];
    expect(loadAccounts(file, 'demo', problems)).toBeUndefined();
    const label = path.relative(process.cwd(), file);
    expect(problems).toEqual(
      expect.arrayContaining([
        `${label} /accounts/0/username: must match pattern "^[a-z0-9][a-z0-9._-]{1,63}$"`,
        `${label} /accounts/0/role: must be equal to one of the allowed values`,
        `${label} /accounts/0/passwordHash: must be a scrypt hash made by \`pnpm hub console hash-password\``,
        `${label} /accounts/1: must have required property 'passwordHash'`,
        `${label} /accounts/2: must NOT have additional properties (shoeSize)`,
      ]),
    );
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).not.toContain('hunter2');
    expect(problems.join('\n')).not.toContain(hash);
  });

  it('refuses duplicate usernames and hashes too cheap to slow a guesser', async () => {
    const hash = await hashPassword('a-fine-password');
    const cheap = hash.replace('scrypt$16384$', 'scrypt$8192$');
    const file = accountsFile(`accounts:\n  - { username: dee, role: admin, passwordHash: "${hash}" }\n  - { username: dee, role: viewer, passwordHash: "${cheap}" }\n`);
    const problems: string[] = [];
    expect(loadAccounts(file, 'demo', problems)).toBeUndefined();
    expect(problems.map((p) => p.split(': ')[0]?.split(' ')[1])).toEqual(['/accounts/1/username', '/accounts/1/passwordHash']);
  });

  it('reports a missing file, bad YAML and an empty list', () => {
    for (const [file, expected] of [
      [path.join(dir, 'missing.yaml'), /file not found/],
      [accountsFile('accounts: [\n'), /not valid YAML/],
      [accountsFile('accounts: []\n'), /\/accounts: must NOT have fewer than 1 items/],
    ] as const) {
      const problems: string[] = [];
      expect(loadAccounts(file, 'demo', problems)).toBeUndefined();
      expect(problems.join('\n')).toMatch(expected);
    }
  });

  it('refuses the published demo accounts in production', () => {
    const problems: string[] = [];
    expect(loadAccounts(DEMO_CONSOLE_ACCOUNTS_FILE, 'production', problems)).toBeUndefined();
    expect(problems).toHaveLength(4);
    expect(problems[0]).toContain('published demo password');
    expect(() => new AccountBook(DEMO_CONSOLE_ACCOUNTS_FILE, 'production')).toThrow(ConfigError);
  });

  it('keeps the accounts in force when a reload finds problems', async () => {
    const file = accountsFile(`accounts:\n  - { username: erin, role: operator, passwordHash: "${await hashPassword('a-fine-password')}" }\n`);
    const book = new AccountBook(file, 'demo');
    writeFileSync(file, 'accounts:\n  - { username: erin, role: god, passwordHash: x }\n');
    const result = book.reload();
    expect(result.ok).toBe(false);
    expect(book.get('erin')?.role).toBe('operator');
    writeFileSync(file, `accounts:\n  - { username: erin, role: viewer, passwordHash: "${await hashPassword('a-fine-password')}" }\n`);
    expect(book.reload()).toEqual({ ok: true, accounts: 1 });
    expect(book.get('erin')?.role).toBe('viewer');
  });

  it('has a committed TypeScript type generated from its schema (pnpm --filter @hub/console gen:types)', async () => {
    for (const target of CONSOLE_CONFIG_TARGETS) expect(readCommitted(target.output)).toBe(await generateConsoleConfigType(target.schema));
  });
});

describe('settings', () => {
  it('defaults to the demo accounts in demo mode; in production the console requires HUB_CONSOLE_ACCOUNTS', () => {
    const demoProblems: string[] = [];
    const demo = loadSettings({}, demoProblems);
    expect(demo.consoleAccountsFile).toBe(DEMO_CONSOLE_ACCOUNTS_FILE);
    expect(demo.consoleIdleMinutes).toBe(20);
    expect(demoProblems).toEqual([]);
    const prodProblems: string[] = [];
    const production = loadSettings({ HUB_MODE: 'production', HUB_MASTER_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}` }, prodProblems);
    // Other services do not need accounts; the console refuses to start without them.
    expect(prodProblems).toEqual([]);
    expect(production.consoleAccountsFile).toBeUndefined();
    expect(() => new AccountBook(production.consoleAccountsFile, 'production')).toThrow(/HUB_CONSOLE_ACCOUNTS is required in production/);
    const idleProblems: string[] = [];
    expect(loadSettings({ HUB_CONSOLE_IDLE_MINUTES: '5', HUB_CONSOLE_ACCOUNTS: 'x.yaml' }, idleProblems)).toMatchObject({ consoleIdleMinutes: 5, consoleAccountsFile: path.resolve('x.yaml') });
    loadSettings({ HUB_CONSOLE_IDLE_MINUTES: '0' }, idleProblems);
    expect(idleProblems).toEqual(['HUB_CONSOLE_IDLE_MINUTES must be between 1 and 1440']);
  });
});

describe('pnpm hub console hash-password', () => {
  function io(input: string): { stdin: Readable; stdout: PassThrough; stderr: PassThrough; out(): string; err(): string } {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const chunks = { out: '', err: '' };
    stdout.on('data', (c: Buffer) => (chunks.out += c.toString()));
    stderr.on('data', (c: Buffer) => (chunks.err += c.toString()));
    return { stdin: Readable.from([Buffer.from(input)]), stdout, stderr, out: () => chunks.out, err: () => chunks.err };
  }

  it('reads the password from a pipe and prints a hash that verifies', async () => {
    const streams = io('a-long-enough-password\n');
    expect(await consoleCommand(['hash-password'], streams)).toBe(0);
    const hash = streams.out().trim();
    expect(await verifyPassword('a-long-enough-password', hash)).toBe(true);
    expect(streams.out()).not.toContain('a-long-enough-password');
  });

  it('refuses a short password and unknown subcommands', async () => {
    const short = io('short\n');
    expect(await consoleCommand(['hash-password'], short)).toBe(1);
    expect(short.out()).toBe('');
    expect(short.err()).toContain('at least 12 characters');
    const wrong = io('');
    expect(await consoleCommand(['hash-password', 'my-password-on-argv'], wrong)).toBe(2);
    expect(wrong.err()).toContain('never from the command');
  });
});
