export { routeReferral, JOB_CATALOGUE, assertHandled } from './catalogue.ts';
export type { RouteReferralPayload, JobName } from './catalogue.ts';
export { createRedisConnection, redisAnswers } from './connection.ts';
export type { ConnectionRole } from './connection.ts';
export { RouteEnqueuer, startOutboxSweeper } from './route-enqueuer.ts';
export type { OutboxRef, OutboxPort, OutboxSweeper } from './route-enqueuer.ts';
