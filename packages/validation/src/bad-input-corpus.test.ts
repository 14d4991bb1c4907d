import { describe, expect, it } from 'vitest';
import { badInputCases, planted, prototypeKeyCases } from '../../../test/fixtures/bad-input-corpus.ts';
import { createMessageValidator } from './message-validator.ts';
import type { ValidationIssue } from './issues.ts';
import { RULE_MESSAGES } from './rule-codes.ts';

const validator = createMessageValidator({ allowTestNhsNumbers: true });

function issuesFor(body: object): ValidationIssue[] {
  const envelope = validator.validateEnvelope(body);
  if (!envelope.ok) return envelope.issues;
  return validator.validateMessage(envelope.envelope.type, envelope.envelope.data);
}

describe('bad-input corpus', () => {
  it('has at least 120 cases covering every message type', () => {
    expect(badInputCases.length).toBeGreaterThanOrEqual(120);
    expect(new Set(badInputCases.map((c) => c.type))).toEqual(new Set(validator.knownTypes()));
    expect(new Set(badInputCases.map((c) => c.name)).size).toBe(badInputCases.length);
  });

  it('keeps parser-rejected prototype keys out of the HTTP corpus', () => {
    expect(prototypeKeyCases.length).toBeGreaterThan(0);
    for (const c of badInputCases) expect(JSON.stringify(c.body)).not.toMatch(/"__proto__"|"constructor":\{"prototype"/);
    for (const c of prototypeKeyCases) expect(c.body).toBeDefined();
  });

  it.each([...badInputCases, ...prototypeKeyCases].map((c) => [c.name, c] as const))('%s', (_name, badCase) => {
    const issues = issuesFor(badCase.body);
    expect(issues).toContainEqual(expect.objectContaining(badCase.expect));
    const text = JSON.stringify(issues);
    for (const value of planted) expect(text.includes(value), `issue text echoes a planted value`).toBe(false);
    for (const found of issues) expect(found.message).toBe(RULE_MESSAGES[found.code as keyof typeof RULE_MESSAGES]);
  });
});
