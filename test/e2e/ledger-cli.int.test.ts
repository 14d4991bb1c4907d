import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureBody, testDatabaseUrl } from '@hub/testing';
import { eventually, startHubHarness, type HubHarness } from '../support/hub-harness.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

function ledgerVerify(schema: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['services/hub/src/cli.ts', 'ledger', 'verify', '--schema', schema], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: testDatabaseUrl(), LOG_LEVEL: 'warn' },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => resolve({ code, out }));
  });
}

describe('pnpm hub ledger verify', () => {
  let h: HubHarness;
  beforeAll(async () => {
    h = await startHubHarness();
    const sent = await h.send('gmp', fixtureBody('police.domestic-abuse.notified'));
    expect(sent.status).toBe(202);
    await eventually(async () => {
      const rows = await h.sql<{ n: string }>("select count(*) as n from ledger where outcome = 'disclosed'");
      return Number(rows[0]?.n) >= 3 || undefined;
    }, 'three disclosures in the ledger');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('reports an intact chain with exit 0', async () => {
    const result = await ledgerVerify(h.schema);
    expect(result.out).toMatch(/ledger OK: \d+ entries checked/);
    expect(result.code).toBe(0);
  });

  it('detects a row edited behind the append-only trigger, naming its seq, with exit 1', async () => {
    const [second] = await h.sql<{ seq: string }>('select seq from ledger order by seq offset 1 limit 1');
    await h.sql('ALTER TABLE ledger DISABLE TRIGGER USER');
    await h.sql("UPDATE ledger SET purpose = 'something-else' WHERE seq = $1", [second!.seq]);
    await h.sql('ALTER TABLE ledger ENABLE TRIGGER USER');
    const result = await ledgerVerify(h.schema);
    expect(result.out).toMatch(new RegExp(`ledger BROKEN at seq ${second!.seq}\\b`));
    expect(result.code).toBe(1);
  });

  it('refuses ordinary updates and deletes of ledger rows', async () => {
    await expect(h.sql("UPDATE ledger SET purpose = 'x'")).rejects.toThrow();
    await expect(h.sql('DELETE FROM ledger')).rejects.toThrow();
  });
});
