import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ScriptStep } from './script.ts';

/** Starts an HTTP server on 127.0.0.1 that can also be closed with requests still hanging. */
export async function listenLocal(handler: http.RequestListener, port = 0): Promise<{ server: http.Server; port: number; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    server,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hanging (scripted) requests and keep-alive sockets would hold close() forever.
        server.closeAllConnections();
      }),
  };
}

export async function readBody(req: http.IncomingMessage, limit = 5 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, contentType = 'application/json', headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Answers with a scripted step; returns false for `hang` (the request is left open). */
export function answerScripted(res: http.ServerResponse, step: ScriptStep, contentType = 'application/json'): boolean {
  if (step.hang) return false;
  const headers: Record<string, string> = step.retryAfter !== undefined ? { 'retry-after': String(step.retryAfter) } : {};
  sendJson(res, step.status, step.body ?? { scripted: true, status: step.status }, contentType, headers);
  return true;
}

export function headerValue(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
