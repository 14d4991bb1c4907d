export { startDeliveryRuntime } from './runtime.ts';
export type { DeliveryRuntime, DeliveryRuntimeOptions } from './runtime.ts';
export { deliverOnce } from './deliver.ts';
export type { DeliveryStep, DeliverDeps } from './deliver.ts';
