// Benchmark baseline (a): a bare Fastify handler that reads the same body and parses it as
// JSON, nothing more — no signature, no validation, no storage, no logging.
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 256 * 1024 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
app.get('/livez', async () => ({ status: 'ok' }));
app.post<{ Body: Buffer }>('/v1/inbound/:partnerId', async (request, reply) => {
  JSON.parse(request.body.toString('utf8'));
  return reply.code(202).send({ id: randomUUID(), status: 'accepted' });
});

await app.listen({ host: '127.0.0.1', port: Number(process.env.BENCH_PORT ?? 0) });
process.once('SIGTERM', () => {
  app.close().then(() => process.exit(0), () => process.exit(1));
});
