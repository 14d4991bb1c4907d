export { createStore, openMigratedStore } from './store.ts';
export type { AcceptResult, ClaimOutboxOptions, InboundInput, OutboxEntry, Store, StoreCounts, StoredInbound, StoreOptions } from './types.ts';
export type { SignpostShare, SignpostShareInput, SignpostingStore } from './types.ts';
export type {
  AttemptInput,
  DeadLetter,
  DecisionInput,
  DecisionKind,
  DeliveryAttempt,
  DeliveryInput,
  DeliveryKind,
  DeliveryPriority,
  DeliveryStatus,
  DeliverySummary,
  DueDeadline,
  FeedbackKind,
  HeldReferral,
  HoldResolutionInput,
  LawfulBasis,
  ReferralInput,
  ReferralStatus,
  ReferralUrgency,
  RoutingOutcomeInput,
  RoutingStore,
  StoredDelivery,
  StoredReferral,
} from './routing-types.ts';
export type { LedgerBreak, LedgerEntry, LedgerQuery, LedgerVerification, VerifyOptions } from '@hub/ledger';
export type { StoreLogger } from './db.ts';
export type { AcknowledgementChannel, AcknowledgementInput, AcknowledgementStatus, AcknowledgementStore, StoredAcknowledgement } from './acknowledgement-store.ts';
export { ACKNOWLEDGE_JOB_NAME, ACKNOWLEDGE_QUEUE } from './acknowledgement-store.ts';
export type {
  FeedbackAnswerInput,
  FeedbackAnswerStore,
  FeedbackInvitationInput,
  FeedbackInvitationStatus,
  FeedbackInvitationStore,
  FeedbackStatisticsRow,
  MessageOptOut,
  MessageOptOutSource,
  StoredFeedbackInvitation,
  SubjectAccessFeedback,
} from './feedback-types.ts';
export { FEEDBACK_INVITE_JOB_NAME, FEEDBACK_INVITE_QUEUE } from './feedback-types.ts';
export { DecryptionError, ErasedError, KeyringError, NotFoundError, StoreUnavailableError } from './errors.ts';
export { parseKeyring, loadMasterKeys, openEnvelope, sealEnvelope } from './crypto.ts';
export type { Envelope, Keyring, MasterKeys } from './crypto.ts';
export { ROUTE_JOB_NAME } from './inbound.ts';
export { DELIVER_JOB_NAME, DELIVERY_JOB_PRIORITY } from './outbox.ts';
export { CLOSED_ON_REVIEW_REASON } from './routing-store.ts';
export type { BreakerStateName, Overview, PartnerHealth, ReadModelStore, ReferralListItem, ReferralSearch, TimelineEvent } from './read-model-types.ts';
export { londonDayStart, londonNextDayStart, SOURCE_REFERENCE_HMAC_LABEL } from './read-model-store.ts';
export { DEADLINE_AT_RISK_WINDOW_MS } from './metrics-queries.ts';
export type { DeliveryGauges, PartnerCount } from './metrics-queries.ts';
export type { AuditEvent, AuditEventRecord, AuditOutcome, AuditQuery, ConsoleSession, ConsoleSessionInput, ConsoleStore } from './console-types.ts';
export type {
  BackfillOptions,
  DeliveryTiming,
  DimensionCount,
  EvaluationExtractRecord,
  ExtractSourceReferral,
  ReferralDimensions,
  StatisticsCounts,
  StatisticsCountsQuery,
  StatisticsStore,
  StoredEvaluationExtract,
} from './statistics-types.ts';
export { EXTRACT_CHANNEL } from './statistics-types.ts';
export { POSTCODE_DISTRICT_PATTERN } from './statistics-store.ts';
export type {
  ExtensionReason,
  NameDobSearch,
  PersonCandidate,
  SubjectAccessDelivery,
  SubjectAccessEvaluationExtract,
  SubjectAccessExtensionInput,
  SubjectAccessFeedbackAnswer,
  SubjectAccessRecords,
  SubjectAccessRectification,
  SubjectAccessReferral,
  SubjectAccessRights,
  SubjectAccessRightsChange,
  SubjectAccessRequest,
  SubjectAccessSignpostShare,
  SubjectAccessStatus,
  SubjectAccessStore,
} from './sar-types.ts';
export { EXTENSION_REASONS, SubjectAccessRequestError } from './sar-types.ts';
export { NAME_DOB_HMAC_LABEL, normaliseNamePart } from './name-dob-index.ts';
export type {
  PersonReferral,
  PersonRightsFlags,
  PersonRightsState,
  RectifiableDelivery,
  RectificationDeliveryInput,
  RectificationInput,
  RectificationSummary,
  RecipientPropagation,
  RightsAction,
  RightsChangeInput,
  RightsHistoryEntry,
  RightsStore,
} from './rights-types.ts';
export { RectificationConflictError, RIGHTS_ACTIONS } from './rights-types.ts';
export { RECTIFICATION_PURPOSE, RIGHTS_REASON_MAX } from './rights-store.ts';
export type {
  AuditActor,
  ErasableRecordClass,
  ErasureAuthority,
  ErasureCounts,
  ErasureOutcome,
  ErasureReasonCode,
  ErasureResult,
  ErasureStore,
  LegalHold,
  LegalHoldInput,
  LegalHoldScope,
  RecordClass,
  RetentionFeedbackRow,
  RetentionInboundRow,
  RetentionReferralRow,
  RetentionRunInput,
  RetentionRunMode,
  RetentionRunRecord,
  RetentionRunStatus,
  RetentionRunTrigger,
  RetentionRunUpdate,
  Tombstone,
} from './erasure-types.ts';
export { ERASURE_REASON_CODES } from './erasure-types.ts';
export { ERASED_RESOLUTION_REASON } from './erasure-store.ts';
