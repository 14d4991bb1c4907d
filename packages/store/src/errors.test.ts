import { describe, expect, it } from 'vitest';
import { describeError, isUnavailableError, StoreUnavailableError, toStoreError } from './errors.ts';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('isUnavailableError', () => {
  it('recognises refused, dropped and timed-out connections', () => {
    const unavailable = [
      withCode('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'),
      withCode('read ECONNRESET', 'ECONNRESET'),
      Object.assign(new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], 'connect failed')),
      new Error('timeout exceeded when trying to connect'),
      new Error('Connection terminated unexpectedly'),
      new Error('Query read timeout'),
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('the database system is starting up', '57P03'),
      withCode('connection failure', '08006'),
      withCode('sorry, too many clients already', '53300'),
      new Error('wrapped', { cause: withCode('x', 'ETIMEDOUT') }),
      new StoreUnavailableError(),
    ];
    for (const err of unavailable) expect(isUnavailableError(err), err.message).toBe(true);
  });

  it('leaves request and programming errors alone', () => {
    const others = [
      withCode('duplicate key value violates unique constraint', '23505'),
      withCode('relation "x" does not exist', '42P01'),
      new TypeError('bodySha256 must be 64 hex characters'),
      'a string',
      null,
    ];
    for (const err of others) {
      expect(isUnavailableError(err)).toBe(false);
      expect(toStoreError(err)).toBe(err);
    }
    expect(toStoreError(new Error('Connection terminated'))).toBeInstanceOf(StoreUnavailableError);
  });
});

describe('describeError', () => {
  it('keeps socket error messages but drops server messages, which can quote values', () => {
    expect(describeError(withCode('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'))).toEqual({
      name: 'Error',
      code: 'ECONNREFUSED',
      message: 'connect ECONNREFUSED 127.0.0.1:1',
    });
    expect(describeError(withCode('invalid input syntax for type uuid: "Jane Doe"', '22P02'))).toEqual({ name: 'Error', code: '22P02' });
  });
});
