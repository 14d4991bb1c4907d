/* Generated from schemas/config/sharing-rules.v1.json by `pnpm --filter @hub/sharing gen:types`. Do not edit. */

export type RuleNeed =
  | "education"
  | "early-years"
  | "health"
  | "substance-use"
  | "family-relationships"
  | "child-safety"
  | "crime"
  | "domestic-abuse"
  | "housing"
  | "financial-stability"
  | "employment";
/**
 * A fixed partner, or how to find the recipient from the referral.
 */
export type RuleRecipient = FixedRecipient | SchoolByUrnRecipient | GpByOdsRecipient | AreaRecipient;
/**
 * A purpose code; a recipient's data-sharing agreement for the same purpose decides what is sent.
 */
export type PurposeCode = string;
/**
 * Only referrals at least this urgent (routine < medium < high < urgent).
 */
export type RuleUrgency = "routine" | "medium" | "high" | "urgent";

/**
 * The written sharing rules: which referrals (by message type and/or need) go to which recipient, for what purpose and how urgently. Rules are written by people; the hub only applies them. A referral no rule covers is held for an operator.
 */
export interface SharingRulesFile {
  /**
   * @maxItems 1000
   */
  rules: SharingRule[];
}
export interface SharingRule {
  id: string;
  description: string;
  covers: RuleCovers;
  recipient: RuleRecipient;
  purpose: PurposeCode;
  priority: "urgent" | "high" | "routine";
  /**
   * next-school-day: before the start of the next school day (the school calendar's schoolDayStart, local time) strictly after the hub received the referral.
   */
  deadline?: "next-school-day";
  minUrgency?: RuleUrgency;
  /**
   * The rule may share when consent was not sought and the message records why (consent.reasonNotSought) — safeguarding, DPA 2018 Sch 1 para 18. A refusal is never overridden by a rule: it is held for an operator.
   */
  shareWithoutConsent?: boolean;
}
/**
 * The referrals the rule covers. When both are given, both must match: the message type is one of messageTypes AND at least one need is in needs.
 */
export interface RuleCovers {
  /**
   * @minItems 1
   */
  messageTypes?: [string, ...string[]];
  /**
   * @minItems 1
   */
  needs?: [RuleNeed, ...RuleNeed[]];
}
export interface FixedRecipient {
  partner: string;
}
/**
 * The school of each child (child / young-person) that has a school URN: the education partner with that schoolUrn identifier. With everyChild, a child with no URN holds the referral for an operator (e.g. an electively home-educated child, for whom the local authority is told instead).
 */
export interface SchoolByUrnRecipient {
  by: "school-urn";
  everyChild?: boolean;
}
/**
 * The GP practice of each person with a practice ODS code (people[].gpOdsCode, else health.practiceOdsCode).
 */
export interface GpByOdsRecipient {
  by: "gp-ods";
}
/**
 * The partner of this organisation type whose areas include the family's postcode district.
 */
export interface AreaRecipient {
  by: "area";
  organisationType: string;
}
