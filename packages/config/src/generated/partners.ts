/* Generated from schemas/config/partners.v1.json by `pnpm gen:types`. Do not edit. */

/**
 * A Standard Webhooks signing secret: inline (demo and tests only) or named environment variable (production).
 */
export type PartnerSecret =
  | {
      value: string;
    }
  | {
      env: string;
    };
export type MessageType =
  | "family.self-referral.submitted"
  | "police.domestic-abuse.notified"
  | "police.vulnerability.referred"
  | "education.early-help.requested"
  | "health.gp.referred"
  | "health.health-visitor.concern-raised"
  | "housing.tenancy-risk.notified"
  | "dwp.jobcentre.referred"
  | "victim-support.referral.submitted"
  | "justice.youth-justice.notified"
  | "social-care.step-down.requested"
  | "vcs.referral.submitted"
  | "referral.acknowledged"
  | "referral.accepted"
  | "referral.declined"
  | "referral.closed";

/**
 * Every organisation that may push messages into the hub: who they are, how they sign, what they may send and how fast.
 */
export interface PartnerRegistryFile {
  /**
   * @minItems 1
   * @maxItems 500
   */
  partners: [PartnerEntry, ...PartnerEntry[]];
}
export interface PartnerEntry {
  id: string;
  /**
   * The kinds of organisation the privacy notice names as sources or recipients.
   */
  organisationType:
    | "family"
    | "police"
    | "education"
    | "gp"
    | "health-visiting"
    | "counselling"
    | "housing"
    | "jobcentre"
    | "financial-advice"
    | "victim-support"
    | "youth-justice"
    | "probation"
    | "social-care"
    | "voluntary-community"
    | "national-evaluation";
  displayName: string;
  identifiers?: {
    schoolUrn?: string;
    odsCode?: string;
    ukprn?: string;
    policeForceCode?: string;
    charityNumber?: string;
    localAuthorityCode?: string;
  };
  /**
   * One secret, or two while a rotation is in progress.
   *
   * @minItems 1
   * @maxItems 2
   */
  secrets: [PartnerSecret] | [PartnerSecret, PartnerSecret];
  /**
   * @minItems 1
   */
  messageTypes: [MessageType, ...MessageType[]];
  rateLimit: {
    requestsPerMinute: number;
    burst?: number;
  };
  /**
   * Postcode districts (outward codes, e.g. M14) the partner serves; rules can find a recipient by the family's area.
   *
   * @maxItems 500
   */
  areas?: string[];
  delivery?: PartnerDelivery;
}
/**
 * How the hub delivers referrals to this partner (recipients only). secret is the hub's outbound Standard Webhooks signing secret for this partner (required for webhook; not one of its inbound secrets). url and email.smtpUrl may hold ${NAME} or ${NAME:-default} placeholders, replaced from the environment when the config loads (e.g. ${SIMULATOR_WEBHOOK_BASE_URL:-http://127.0.0.1:4010}); an unset variable with no default is a configuration problem. https (or smtps / STARTTLS) is required unless localTestEndpoint / localTestServer is true, which production mode refuses.
 */
export interface PartnerDelivery {
  channel: "webhook" | "fhir" | "email";
  /**
   * Endpoint for webhook and fhir (the FHIR base URL; the transaction Bundle is POSTed to it).
   */
  url?: string;
  /**
   * Permits an http:// url (local simulators in demo and tests only).
   */
  localTestEndpoint?: boolean;
  secret?: PartnerSecret;
  email?: PartnerEmailDelivery;
  /**
   * Per-attempt timeout; default 10000.
   */
  timeoutMs?: number;
}
export interface PartnerEmailDelivery {
  /**
   * The partner's secure mailbox.
   */
  to: string;
  from?: string;
  /**
   * smtp:// (STARTTLS required unless localTestServer) or smtps:// (implicit TLS).
   */
  smtpUrl: string;
  /**
   * Permits SMTP without TLS (local simulator in demo and tests only).
   */
  localTestServer?: boolean;
}
