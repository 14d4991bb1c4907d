export type { OutboundDelivery, DeliveryResult, DeliveryAdapter, DeliveryChannel, DeliveryCode, Urgency } from './types.ts';
export { DELIVERY_CODES } from './types.ts';
export { createWebhookAdapter } from './webhook/webhook-adapter.ts';
export type { WebhookAdapterOptions } from './webhook/webhook-adapter.ts';
export { createFhirAdapter } from './fhir/fhir-adapter.ts';
export type { FhirAdapterOptions } from './fhir/fhir-adapter.ts';
export {
  toFhirTransactionBundle,
  parseMinimisedPayload,
  FhirMappingError,
  NHS_NUMBER_SYSTEM,
  NHS_NUMBER_VERIFICATION_STATUS_EXTENSION,
  NHS_NUMBER_VERIFICATION_STATUS_SYSTEM,
  ODS_ORGANISATION_SYSTEM,
  UK_CORE_PATIENT_PROFILE,
  UK_CORE_SERVICE_REQUEST_PROFILE,
  DEFAULT_IDENTIFIER_SYSTEMS,
} from './fhir/fhir-bundle.ts';
export type { FhirBundle, FhirResource, HubIdentifierSystems, MinimisedReferralPayload, MinimisedPerson, MinimisedCodedValue } from './fhir/fhir-bundle.ts';
export { validateFhirR4, warmFhirValidator, fhirR4ResourceTypes } from './fhir/fhir-schema.ts';
export { toFhirRectificationBundle, parseRectifiedPayload, MESSAGE_TYPE_SYSTEM } from './fhir/fhir-rectification.ts';
export type { RectificationBundle } from './fhir/fhir-rectification.ts';
export type { FhirValidationIssue, FhirValidationResult } from './fhir/fhir-schema.ts';
export { createEmailAdapter, classifySmtpError, EMAIL_NOTICE, RECTIFICATION_EMAIL_NOTICE } from './email/email-adapter.ts';
export type { EmailAdapterOptions } from './email/email-adapter.ts';
export { createBreakerRegistry, DEFAULT_BREAKER_OPTIONS } from './breaker/breaker-registry.ts';
export type { BreakerRegistry, BreakerResult, BreakerSend, BreakerStatus, BreakerState, BreakerOptions, BreakerLogger, BreakerEvent } from './breaker/breaker-registry.ts';
export { RETRY_SCHEDULE_MS, RETRY_JITTER, nextAttemptDelay, parseRetrySchedule } from './retry/retry-policy.ts';
export type { RetryDecision, NextAttemptInput } from './retry/retry-policy.ts';
export { classifyHttpStatus } from './http/http-delivery.ts';
export { parseRetryAfter } from './http/retry-after.ts';
export { createAdapterFor, DEFAULT_DELIVERY_TIMEOUT_MS, DEFAULT_EMAIL_FROM } from './partner-adapter.ts';
export type { PartnerDeliveryConfig } from './partner-adapter.ts';
export { createNotifyClient, parseNotifyApiKey, notifyJwt } from './notify/notify-client.ts';
export { sendAcknowledgement, renderLinks } from './notify/acknowledgement.ts';
export type { AcknowledgementLink, AcknowledgementSend, AcknowledgementTemplates } from './notify/acknowledgement.ts';
export { sendFeedbackInvitation, expiryDateText } from './notify/feedback-invitation.ts';
export type { FeedbackInvitationLink, FeedbackInvitationTemplates } from './notify/feedback-invitation.ts';
export type { NotifyClient, NotifyClientOptions, NotifyOutcome, NotifyPersonalisation, SendEmailRequest, SendSmsRequest } from './notify/notify-client.ts';
