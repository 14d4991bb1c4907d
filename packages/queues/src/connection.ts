import { Redis, type RedisOptions } from 'ioredis';

export type ConnectionRole = 'producer' | 'worker';

/**
 * Producers give up on a command after a few seconds while Redis is away (the outbox keeps
 * what was accepted, and the sweeper re-adds it later); workers block and retry for ever, as
 * BullMQ requires. The offline queue stays on for producers: BullMQ runs set-up commands as it
 * connects, and refusing those leaves the queue unusable after Redis comes back.
 */
export function createRedisConnection(url: string, role: ConnectionRole, extra: RedisOptions = {}): Redis {
  const common: RedisOptions = {
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    ...extra,
  };
  const options: RedisOptions =
    role === 'producer'
      ? { ...common, maxRetriesPerRequest: 1, commandTimeout: 5_000 }
      : { ...common, maxRetriesPerRequest: null };
  return new Redis(url, options);
}

/** Whether a Redis server answers PING at `url` within `timeoutMs`. */
export async function redisAnswers(url: string, timeoutMs = 1_000): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
