import type { Redis } from 'ioredis';

export interface RedisFinding {
  key: string;
  value: string;
}

/**
 * Reads every key (and every value of every type) under `pattern` and reports each one whose
 * name or content contains any of `needles`. Used to prove that no personal value reaches Redis.
 */
export async function scanRedisFor(redis: Redis, pattern: string, needles: readonly string[]): Promise<{ keysScanned: number; findings: RedisFinding[] }> {
  const findings: RedisFinding[] = [];
  let keysScanned = 0;
  const check = (key: string, value: string): void => {
    for (const needle of needles) if (value.includes(needle) || key.includes(needle)) findings.push({ key, value: needle });
  };
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      keysScanned += 1;
      const type = await redis.type(key);
      const parts: string[] = [];
      switch (type) {
        case 'string':
          parts.push((await redis.getBuffer(key))?.toString('latin1') ?? '');
          break;
        case 'hash':
          parts.push(...Object.entries(await redis.hgetall(key)).flat());
          break;
        case 'list':
          parts.push(...(await redis.lrange(key, 0, -1)));
          break;
        case 'set':
          parts.push(...(await redis.smembers(key)));
          break;
        case 'zset':
          parts.push(...(await redis.zrange(key, '0', '-1')));
          break;
        case 'stream':
          for (const [id, fields] of await redis.xrange(key, '-', '+')) parts.push(id, ...fields.map(String));
          break;
        default:
          break;
      }
      check(key, parts.join('\u0000'));
    }
  } while (cursor !== '0');
  return { keysScanned, findings };
}
