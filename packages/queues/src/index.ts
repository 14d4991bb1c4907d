export { routeReferral, deliverReferral, retentionRun, acknowledgeFamily, feedbackInvite, hubQueueNames, TRANSIENT_BACKOFF, cappedExponentialBackoff, DELIVERY_PRIORITY, JOB_CATALOGUE, assertHandled, optionsFor } from './catalogue.ts';
export type { JobSpec, AcknowledgeFamilyPayload, FeedbackInvitePayload, RouteReferralPayload, DeliverReferralPayload, RetentionRunPayload, DeliveryPriority, JobName } from './catalogue.ts';
export { createRedisConnection, redisAnswers } from './connection.ts';
export type { ConnectionRole } from './connection.ts';
export { OutboxEnqueuer, startOutboxSweeper, outboxJob } from './outbox-enqueuer.ts';
export type { OutboxJob, OutboxRow, OutboxPort, OutboxSweeper } from './outbox-enqueuer.ts';
export { snapshotQueues, OLDEST_SCAN_LIMIT } from './snapshot.ts';
export type { QueueSnapshot } from './snapshot.ts';
