import pg from 'pg';
import type { PoolClient } from 'pg';
import type { Db, Queryable, QueryResult, StoreLogger, TransactionOptions } from './db.ts';
import { assertSchemaName } from './db.ts';
import { describeError, isUnavailableError, toStoreError } from './errors.ts';

export interface PostgresDbOptions {
  databaseUrl: string;
  schema: string;
  poolSize: number;
  connectionTimeoutMs: number;
  queryTimeoutMs: number;
  logger: StoreLogger;
}

/**
 * Puts `search_path` into the startup packet, so every pooled connection is in the store's
 * schema before its first statement. pg lets a connection string's own `options` override the
 * config object, so the setting is merged into the URL.
 */
export function withSearchPath(databaseUrl: string, schema: string): string {
  assertSchemaName(schema);
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new TypeError('databaseUrl must be a postgres:// or postgresql:// URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new TypeError('databaseUrl must be a postgres:// or postgresql:// URL');
  }
  const existing = url.searchParams.get('options');
  url.searchParams.set('options', [existing, `-c search_path=${schema}`].filter(Boolean).join(' '));
  return url.toString();
}

type Runner = Pick<pg.Pool, 'query'> | PoolClient;

async function runQuery<Row>(
  runner: Runner,
  sql: string,
  params: readonly unknown[] | undefined,
  queryTimeoutMs: number | undefined,
): Promise<QueryResult<Row>> {
  try {
    const result = await runner.query({
      text: sql,
      ...(params ? { values: [...params] } : {}),
      ...(queryTimeoutMs ? { query_timeout: queryTimeoutMs } : {}),
    });
    return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
  } catch (err) {
    throw toStoreError(err);
  }
}

export function createPostgresDb(options: PostgresDbOptions): Db {
  const { logger } = options;
  const pool = new pg.Pool({
    connectionString: withSearchPath(options.databaseUrl, options.schema),
    max: options.poolSize,
    connectionTimeoutMillis: options.connectionTimeoutMs,
    query_timeout: options.queryTimeoutMs,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: 'hub-store',
  });
  // An idle client losing its connection (PG restart, network cut) is reported here. The pool has
  // already discarded it and will connect afresh; without this listener the process would crash.
  pool.on('error', (err) => logger.error({ err: describeError(err) }, 'postgres idle client error'));

  const asQueryable = (runner: Runner, queryTimeoutMs?: number): Queryable => ({
    query: (sql, params) => runQuery(runner, sql, params, queryTimeoutMs),
    exec: async (sql) => {
      await runQuery(runner, sql, undefined, queryTimeoutMs);
    },
  });

  return {
    kind: 'postgres',
    ...asQueryable(pool),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>, txOptions: TransactionOptions = {}): Promise<T> {
      let client: PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw toStoreError(err);
      }
      // A checked-out client has no pool listener: a connection loss mid-transaction would
      // otherwise be an unhandled 'error' event. The failing statement reports it to the caller.
      let connectionError: Error | undefined;
      const onClientError = (err: Error): void => {
        connectionError = err;
      };
      client.on('error', onClientError);
      const tx = asQueryable(client, txOptions.queryTimeoutMs);
      let discard = false;
      try {
        await tx.exec('BEGIN');
        const result = await fn(tx);
        await tx.exec('COMMIT');
        return result;
      } catch (err) {
        if (connectionError || isUnavailableError(err)) {
          discard = true;
        } else {
          try {
            await client.query('ROLLBACK');
          } catch {
            discard = true;
          }
        }
        throw toStoreError(err);
      } finally {
        client.off('error', onClientError);
        // release(true) destroys the connection instead of returning it in an unknown state.
        client.release(discard || connectionError !== undefined);
      }
    },
    async close() {
      await pool.end();
    },
  };
}
