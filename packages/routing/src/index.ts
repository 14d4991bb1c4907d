export { routeMessage, draftDelivery, resolveHeldReferral, statisticsDimensions } from './routing.ts';
export type { RoutingDeps, RouteOutcome, HoldResolution } from './routing.ts';
export { nameBasedUuid, referralIdFor, deliveryIdFor, decisionIdFor } from './ids.ts';
export { acknowledgementDecision, acknowledgementIdFor, SELF_REFERRAL_TYPE } from './acknowledgement.ts';
export { feedbackInvitationDecision, feedbackInvitationIdFor } from './feedback-invitation.ts';
export type { FeedbackInvitationFacts, FeedbackSuppressionCode } from './feedback-invitation.ts';
export { startDeadlineMonitor } from './deadline-monitor.ts';
export type { DeadlineMonitor } from './deadline-monitor.ts';
export { rectifyField, rectificationDeliveryIdFor } from './rectification.ts';
export type { RectifyDeps, RectifyInput, RectifyOutcome, RectifyProblemField } from './rectification.ts';
export { rightsCheck, blockedCodes, blockedReason, overriddenReason, RIGHTS_DECISION_REASONS } from './rights.ts';
export type { RightsCheck, RightsReasonCode } from './rights.ts';
// The correctable fields and reason categories, for forms that offer them (the console).
export { CORRECTABLE_PERSON_FIELDS, RECTIFICATION_REASON_CATEGORIES } from '@hub/sharing';
