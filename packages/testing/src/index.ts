export { signedRequest, randomSecret } from './signing.ts';
export type { SignedRequest } from './signing.ts';
export { scanRedisFor } from './redis-scan.ts';
export type { RedisFinding } from './redis-scan.ts';
export { captureLogger } from './log-capture.ts';
export { createTestDatabase, randomSchemaName, testDatabaseUrl, DEFAULT_DATABASE_URL } from './postgres.ts';
export { fixtureBody, fixtureTypes, FIXTURE_DIR } from './fixtures.ts';
export { startTcpProxy } from './tcp-proxy.ts';
export type { TcpProxy } from './tcp-proxy.ts';
