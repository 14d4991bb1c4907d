import { describe, expect, it } from 'vitest';
import { assertDeliveryUrl, classifyHttpStatus } from './http-delivery.ts';
import { parseRetryAfter } from './retry-after.ts';

describe('classifyHttpStatus', () => {
  it.each([200, 201, 202, 204])('%i is delivered', (status) => {
    expect(classifyHttpStatus(status)).toEqual({ kind: 'delivered', status });
  });
  it.each([408, 429, 500, 502, 503, 504])('%i is retried', (status) => {
    expect(classifyHttpStatus(status)).toEqual({ kind: 'retry', code: `HTTP_${status}`, status });
  });
  it.each([400, 401, 403, 404, 409, 413, 415, 422, 301, 302, 307])('%i is permanent', (status) => {
    expect(classifyHttpStatus(status)).toEqual({ kind: 'permanent', code: `HTTP_${status}`, status });
  });
  it('410 is gone', () => {
    expect(classifyHttpStatus(410)).toEqual({ kind: 'gone', code: 'HTTP_410', status: 410 });
  });
  it('carries Retry-After on a retry', () => {
    expect(classifyHttpStatus(503, '120')).toEqual({ kind: 'retry', code: 'HTTP_503', status: 503, retryAfterMs: 120_000 });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-05T10:00:00Z');
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('30', now)).toBe(30_000);
  });
  it('reads an HTTP-date (IMF-fixdate and RFC 850)', () => {
    expect(parseRetryAfter('Mon, 05 Jan 2026 10:01:30 GMT', now)).toBe(90_000);
    expect(parseRetryAfter('Monday, 05-Jan-26 10:00:10 GMT', now)).toBe(10_000);
  });
  it('treats a date in the past as now', () => {
    expect(parseRetryAfter('Mon, 05 Jan 2026 09:00:00 GMT', now)).toBe(0);
  });
  it.each([null, undefined, '', '-5', '1.5', 'soon', '2026-01-05'])('ignores %j', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});

describe('assertDeliveryUrl', () => {
  it('accepts https, and http only when allowed', () => {
    expect(assertDeliveryUrl('https://partner.example/hook', false, 'x').protocol).toBe('https:');
    expect(assertDeliveryUrl('http://127.0.0.1:8080/hook', true, 'x').protocol).toBe('http:');
    expect(() => assertDeliveryUrl('http://partner.example/hook', false, 'x')).toThrow(/must use https/);
    expect(() => assertDeliveryUrl('ftp://partner.example/hook', true, 'x')).toThrow(/must use https/);
    expect(() => assertDeliveryUrl('not a url', true, 'x')).toThrow(/not a valid/);
  });
  it('does not echo the URL (it may carry credentials)', () => {
    expect(() => assertDeliveryUrl('http://user:s3cret@partner.example/hook', false, 'x')).toThrow(expect.objectContaining({ message: expect.not.stringContaining('s3cret') }));
  });
});
