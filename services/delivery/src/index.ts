export { startDeliveryRuntime } from './runtime.ts';
export type { DeliveryRuntime, DeliveryRuntimeOptions } from './runtime.ts';
export { deliverOnce } from './deliver.ts';
export { acknowledgeOnce, startAcknowledgementWorker } from './acknowledge.ts';
export type { AcknowledgeDeps, AcknowledgeStep, AcknowledgementWorker } from './acknowledge.ts';
export type { DeliveryStep, DeliverDeps } from './deliver.ts';
