import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

function capture(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { stream, lines };
}

describe('createLogger', () => {
  it('censors personal fields and auth headers and carries service/version', () => {
    const { stream, lines } = capture();
    const log = createLogger({ service: 'test', destination: stream });
    log.info({ nhsNumber: '9434765919', person: { givenName: 'Canary', postcode: 'M1 1AE' }, req: { headers: { 'webhook-signature': 'v1,abc', authorization: 'Bearer x' } } }, 'checked');
    const text = lines.join('');
    expect(text).not.toContain('9434765919');
    expect(text).not.toContain('Canary');
    expect(text).not.toContain('M1 1AE');
    expect(text).not.toContain('v1,abc');
    expect(text).not.toContain('Bearer x');
    const line = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(line.service).toBe('test');
    expect(line.msg).toBe('checked');
    expect(line.level).toBe('info');
  });
});
