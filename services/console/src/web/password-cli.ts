// `pnpm hub console hash-password`: reads a password from stdin (never argv, never echoed) and
// prints the scrypt hash to put in the console accounts file.
import type { Readable, Writable } from 'node:stream';
import { hashPassword } from './accounts.ts';

export const MIN_PASSWORD_LENGTH = 12;

export const HASH_PASSWORD_USAGE = `Usage:
  pnpm hub console hash-password            (asks twice on a terminal, without echo)
  printf '%s' "$PASSWORD" | pnpm hub console hash-password

Prints a scrypt hash (scrypt$N$r$p$salt$hash) for a console account's passwordHash in the
file named by HUB_CONSOLE_ACCOUNTS. The password is read from stdin, never from the command
line (which other users can see); one trailing newline is dropped. At least ${MIN_PASSWORD_LENGTH} characters.`;

export interface PasswordIo {
  stdin: Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  stdout: Writable;
  stderr: Writable;
}

async function readAll(stdin: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Reads one line from a terminal with echo off. */
function promptHidden(io: PasswordIo, question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const { stdin } = io;
    io.stderr.write(question);
    stdin.setRawMode?.(true);
    stdin.resume();
    let typed = '';
    const finish = (result: string | Error): void => {
      stdin.setRawMode?.(false);
      stdin.pause();
      stdin.off('data', onData);
      io.stderr.write('\n');
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n') return finish(typed);
        if (ch === '\u0003' || ch === '\u0004') return finish(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** `hub console …`: returns the process exit status. */
export async function consoleCommand(argv: string[], io: PasswordIo = process): Promise<number> {
  const [sub] = argv;
  if (sub !== 'hash-password' || argv.length > 1) {
    io.stderr.write(`${HASH_PASSWORD_USAGE}\n`);
    return sub === undefined || sub === 'help' || sub === '--help' ? 0 : 2;
  }
  let password: string;
  if (io.stdin.isTTY) {
    password = await promptHidden(io, 'New console password: ');
    const again = await promptHidden(io, 'Type it again: ');
    if (again !== password) {
      io.stderr.write('The two passwords differ; nothing printed.\n');
      return 1;
    }
  } else {
    password = await readAll(io.stdin);
  }
  if (password.length < MIN_PASSWORD_LENGTH) {
    io.stderr.write(`The password must be at least ${MIN_PASSWORD_LENGTH} characters; nothing printed.\n`);
    return 1;
  }
  io.stdout.write(`${await hashPassword(password)}\n`);
  return 0;
}
