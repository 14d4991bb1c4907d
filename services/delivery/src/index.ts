export { startDeliveryRuntime } from './runtime.ts';
export type { DeliveryRuntime, DeliveryRuntimeOptions } from './runtime.ts';
export { deliverOnce } from './deliver.ts';
export { acknowledgeOnce, familyMessageChecks, sharedLinks, startAcknowledgementWorker } from './acknowledge.ts';
export { feedbackLink, inviteOnce, startFeedbackInviteWorker } from './feedback-invite.ts';
export type { FeedbackInviteDeps, FeedbackInviteStep, FeedbackInviteWorker } from './feedback-invite.ts';
export type { AcknowledgeDeps, AcknowledgeStep, AcknowledgementWorker } from './acknowledge.ts';
export type { DeliveryStep, DeliverDeps } from './deliver.ts';
