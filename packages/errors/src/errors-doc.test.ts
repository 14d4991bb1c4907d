import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HUB_ERRORS, problem } from './index.ts';

const doc = readFileSync(path.resolve(import.meta.dirname, '../../../docs/errors.md'), 'utf8');

/** The rows of the table in docs/errors.md: code → {status, retry}. */
function documentedCodes(): Map<string, { status: number; retryable: boolean }> {
  const rows = new Map<string, { status: number; retryable: boolean }>();
  for (const line of doc.split('\n')) {
    const match = /^\| `(HUB_ERR_[A-Z0-9_]+)` \| (\d{3}) \| (yes|no) \|/.exec(line);
    if (match) rows.set(match[1] as string, { status: Number(match[2]), retryable: match[3] === 'yes' });
  }
  return rows;
}

describe('error registry and docs/errors.md', () => {
  it('documents every registered code with its status and retry flag', () => {
    const rows = documentedCodes();
    for (const [code, entry] of Object.entries(HUB_ERRORS)) {
      expect(rows.get(code), `${code} missing from docs/errors.md`).toEqual({ status: entry.status, retryable: entry.retryable });
    }
  });

  it('documents no code the registry does not have', () => {
    const extra = [...documentedCodes().keys()].filter((code) => !(code in HUB_ERRORS));
    expect(extra).toEqual([]);
  });

  it('builds RFC 9457 problems with a stable type URI', () => {
    expect(problem('HUB_ERR_VALIDATION', { instance: 'r1' })).toEqual({
      type: 'https://early-help-hub.org/problems/validation',
      title: HUB_ERRORS.HUB_ERR_VALIDATION.title,
      status: 422,
      code: 'HUB_ERR_VALIDATION',
      instance: 'r1',
    });
  });
});
