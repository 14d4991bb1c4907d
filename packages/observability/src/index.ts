export { createLogger, redactionPaths, PERSONAL_FIELD_NAMES } from './logger.ts';
export type { Logger, LoggerSettings } from './logger.ts';
export { startHealthServer, stopOnSignals } from './service-process.ts';
export type { HealthServer, MetricsSource } from './service-process.ts';
export {
  createHubMetrics,
  HUB_METRIC_NAMES,
  QUEUE_JOB_STATES,
  BREAKER_STATE_VALUE,
  DELIVERY_LATENCY_BUCKETS,
  UNKNOWN_LABEL,
  NO_PARTNER_LABEL,
  DEFAULT_COLLECT_TIMEOUT_MS,
} from './metrics.ts';
export type { HubMetrics, ServiceName, QueueJobState, BreakerStateLabel, QueueGaugeSnapshot, DeliveryGaugeSnapshot } from './metrics.ts';
