// Benchmark scenario (b): the gateway's own app (`buildApp`: signature check, rate limit,
// JSON parse, envelope + schema + domain validation, request log line) with a store that
// accepts without writing anything and a queue producer that does nothing. The difference
// between this and the real gateway is the cost of durable storage and the queue add.
import { randomUUID } from 'node:crypto';
import { loadConfig } from '@hub/config';
import { buildApp } from '@hub/gateway';
import { createLogger } from '@hub/observability';
import { createMessageValidator } from '@hub/validation';

const config = loadConfig(process.env);
const logger = createLogger({ service: 'gateway', level: config.settings.logLevel });
const app = buildApp({
  config,
  validator: createMessageValidator({ allowTestNhsNumbers: config.settings.allowTestNhsNumbers }),
  store: {
    acceptInbound: async () => ({ outcome: 'accepted', messageId: randomUUID(), outboxId: '1' }),
    findInbound: async () => null,
    ping: async () => undefined,
    deliveryRecipient: async () => null,
    feedbackTokenUsable: async () => false,
    submitFeedback: async () => ({ outcome: 'rejected' }),
  },
  enqueuer: { enqueue: () => undefined },
  logger,
});

await app.listen({ host: config.settings.host, port: config.settings.gatewayPort });
process.once('SIGTERM', () => {
  app.close().then(() => process.exit(0), () => process.exit(1));
});
