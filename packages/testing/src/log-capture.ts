import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@hub/observability';

/** A real service logger whose lines are kept in memory, so a test can read every one. */
export function captureLogger(service = 'test', level = 'info'): { logger: Logger; lines: string[]; text(): string } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: createLogger({ service, level, destination }), lines, text: () => lines.join('') };
}
