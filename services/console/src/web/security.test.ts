import { describe, expect, it } from 'vitest';
import { LAYOUT_STYLE_CSP_SOURCE } from './layout.ts';
import { consoleCspDirectives, LoginRateLimiter, safeNextPath, tokensMatch } from './security.ts';
import { boardAction } from './queues-board.ts';

describe('safeNextPath', () => {
  it('keeps paths on this site', () => {
    expect(safeNextPath('/holds')).toBe('/holds');
    expect(safeNextPath('/referrals?status=held&page=2')).toBe('/referrals?status=held&page=2');
    expect(safeNextPath('/queues/queue/referral.route')).toBe('/queues/queue/referral.route');
  });

  it('refuses anything that could leave the site or loop', () => {
    for (const bad of [undefined, '', 'holds', '//evil.example', '///evil.example', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)', '/\t/evil.example', '/\n', '/login', '/login?next=/x', '/logout', 'x'.repeat(2001)]) {
      expect(safeNextPath(bad), JSON.stringify(bad)).toBeUndefined();
    }
    // An encoded backslash is only a character of a path here.
    expect(safeNextPath('/%5Cevil.example')).toBe('/%5Cevil.example');
  });
});

describe('tokensMatch', () => {
  it('compares tokens of any length without throwing', () => {
    expect(tokensMatch('abc', 'abc')).toBe(true);
    expect(tokensMatch('abc', 'abd')).toBe(false);
    expect(tokensMatch('abc', 'abcd')).toBe(false);
    expect(tokensMatch('abc', '')).toBe(false);
    expect(tokensMatch('', '')).toBe(false);
    expect(tokensMatch('abc', undefined)).toBe(false);
    expect(tokensMatch('abc', ['abc'])).toBe(false);
  });
});

describe('LoginRateLimiter', () => {
  it('refuses a username after 5 failures in 15 minutes, until the oldest leaves the window', () => {
    let now = 1_000_000;
    const limiter = new LoginRateLimiter({ now: () => now });
    for (let i = 0; i < 4; i++) {
      limiter.recordFailure(`10.0.0.${i}`, 'amy');
      now += 60_000;
    }
    expect(limiter.retryAfterSeconds('10.0.0.9', 'amy')).toBe(0);
    limiter.recordFailure('10.0.0.9', 'amy');
    // The first failure was 4 minutes ago: 11 minutes to wait.
    expect(limiter.retryAfterSeconds('10.0.0.10', 'amy')).toBe(11 * 60);
    expect(limiter.retryAfterSeconds('10.0.0.10', 'ben')).toBe(0);
    now += 11 * 60_000;
    expect(limiter.retryAfterSeconds('10.0.0.10', 'amy')).toBe(0);
  });

  it('refuses an address after 20 failures, and a success clears only the username', () => {
    let now = 0;
    const limiter = new LoginRateLimiter({ now: () => now });
    for (let i = 0; i < 20; i++) limiter.recordFailure('10.0.0.1', `user-${i % 3}`);
    expect(limiter.retryAfterSeconds('10.0.0.1', 'someone-else')).toBe(15 * 60);
    expect(limiter.retryAfterSeconds('10.0.0.2', 'user-0')).toBeGreaterThan(0);
    limiter.recordSuccess('user-0');
    expect(limiter.retryAfterSeconds('10.0.0.2', 'user-0')).toBe(0);
    expect(limiter.retryAfterSeconds('10.0.0.1', 'user-0')).toBe(15 * 60);
    now += 15 * 60_000 + 1;
    expect(limiter.retryAfterSeconds('10.0.0.1', 'user-1')).toBe(0);
  });

  it('remembers a bounded number of keys', () => {
    const limiter = new LoginRateLimiter({ now: () => 0, maxKeys: 10, maxFailuresPerUsername: 1 });
    for (let i = 0; i < 100; i++) limiter.recordFailure(`10.0.1.${i}`, `u${i}`);
    expect(limiter.retryAfterSeconds('10.9.9.9', 'u99')).toBeGreaterThan(0);
    expect(limiter.retryAfterSeconds('10.9.9.9', 'u0')).toBe(0);
  });
});

describe('content security policy', () => {
  it('allows no inline script or style but the layout’s own stylesheet, by hash', () => {
    const csp = consoleCspDirectives(false);
    expect(csp['style-src']).toEqual(["'self'", LAYOUT_STYLE_CSP_SOURCE]);
    expect(LAYOUT_STYLE_CSP_SOURCE).toMatch(/^'sha256-[A-Za-z0-9+/]{43}='$/);
    expect(csp['script-src']).toEqual(["'self'"]);
    expect(Object.values(csp).flat()).not.toContain("'unsafe-inline'");
    expect(csp['upgrade-insecure-requests']).toBeUndefined();
    expect(consoleCspDirectives(true)['upgrade-insecure-requests']).toEqual([]);
  });
});

describe('queue board actions', () => {
  it('names the allowed changes and refuses the rest', () => {
    expect(boardAction('PUT', '/queues/api/queues/:queueName/:jobId/retry', {})).toBe('queue.retry');
    expect(boardAction('PUT', '/queues/api/queues/:queueName/pause', {})).toBe('queue.pause');
    expect(boardAction('PUT', '/queues/api/queues/:queueName/clean/:queueStatus', { queueStatus: 'failed' })).toBe('queue.clean-all');
    expect(boardAction('PUT', '/queues/api/queues/:queueName/clean/:queueStatus', { queueStatus: 'delayed' })).toBeUndefined();
    for (const url of ['/queues/api/queues/:queueName/empty', '/queues/api/queues/:queueName/obliterate', '/queues/api/queues/:queueName/:jobId/clean']) expect(boardAction('PUT', url, {})).toBeUndefined();
    expect(boardAction('POST', '/queues/api/queues/:queueName/add', {})).toBeUndefined();
    expect(boardAction('PATCH', '/queues/api/queues/:queueName/:jobId/update-data', {})).toBeUndefined();
    expect(boardAction('PUT', undefined, {})).toBeUndefined();
  });
});
