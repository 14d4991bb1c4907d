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
}
