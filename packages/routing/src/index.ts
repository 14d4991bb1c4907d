export { routeMessage, draftDelivery, resolveHeldReferral } from './routing.ts';
export type { RoutingDeps, RouteOutcome, HoldResolution } from './routing.ts';
export { nameBasedUuid, referralIdFor, deliveryIdFor, decisionIdFor } from './ids.ts';
export { startDeadlineMonitor } from './deadline-monitor.ts';
export type { DeadlineMonitor } from './deadline-monitor.ts';
