import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { createRecorder } from './recorder.ts';
import { createScript, type ScriptStep } from './script.ts';

export interface ReceivedMail {
  envelope: { from: string | undefined; to: string[] };
  subject: string | undefined;
  text: string | undefined;
  messageId: string | undefined;
  /** Header names lower-cased; values as parsed by mailparser, stringified. */
  headers: Record<string, string>;
  attachments: { filename: string | undefined; contentType: string; content: Buffer }[];
  raw: Buffer;
  receivedAt: Date;
  /** The SMTP reply code the sink answered DATA with. */
  reply: number;
}

export interface SmtpSink {
  /** `smtp://127.0.0.1:<port>` */
  url: string;
  port: number;
  received: ReceivedMail[];
  waitFor(condition: number | ((received: readonly ReceivedMail[]) => boolean), timeoutMs?: number): Promise<ReceivedMail[]>;
  /** Answer the next message(s) with SMTP reply `step.status` (e.g. 451, 550), then accept again. */
  script(step: ScriptStep): void;
  /** Forgets what was received and any unused scripted steps. */
  reset(): void;
  close(): Promise<void>;
}

/**
 * A partner's mail server for tests: plain SMTP on 127.0.0.1, no STARTTLS offered (so a client
 * that requires TLS is refused), no authentication needed. Messages are parsed with mailparser.
 */
export async function startSmtpSink(opts: { port?: number; secure?: false } = {}): Promise<SmtpSink> {
  const recorder = createRecorder<ReceivedMail>('mail messages');
  const script = createScript();

  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    hideSTARTTLS: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (err) => callback(err));
      stream.on('end', () => {
        void (async () => {
          const raw = Buffer.concat(chunks);
          const step = script.next('');
          const reply = step?.status ?? 250;
          const mail = await simpleParser(raw);
          const headers: Record<string, string> = {};
          for (const [name, value] of mail.headers) headers[name.toLowerCase()] = typeof value === 'string' ? value : JSON.stringify(value);
          recorder.record({
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
              to: session.envelope.rcptTo.map((r) => r.address),
            },
            subject: mail.subject,
            text: mail.text,
            messageId: mail.messageId,
            headers,
            attachments: mail.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
            raw,
            receivedAt: new Date(),
            reply,
          });
          if (reply >= 400) {
            const err = Object.assign(new Error(reply >= 500 ? 'Message rejected (scripted)' : 'Try again later (scripted)'), { responseCode: reply });
            callback(err);
          } else {
            callback();
          }
        })().catch((err: unknown) => callback(err instanceof Error ? err : new Error('sink failure')));
      });
    },
  });
  server.on('error', () => undefined);

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received: recorder.received,
    waitFor: recorder.waitFor,
    script: (step) => script.add(step),
    reset() {
      recorder.received.length = 0;
      script.clear();
    },
    async close() {
      recorder.cancelWaits('SMTP sink closed');
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
