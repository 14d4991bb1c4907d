/* Generated from schemas/config/agreements.v1.json by `pnpm --filter @hub/sharing gen:types`. Do not edit. */

/**
 * Data-sharing agreements: for each recipient partner and purpose, the lawful basis and the allow-list of canonical referral fields it may receive (deny by default).
 */
export interface AgreementsFile {
  /**
   * @maxItems 5000
   */
  agreements: AgreementEntry[];
}
export interface AgreementEntry {
  /**
   * Stable id, recorded with every disclosure made under the agreement.
   */
  id: string;
  /**
   * The recipient partner's id (partners.yaml).
   */
  recipient: string;
  /**
   * The purpose code; rules with this purpose use this agreement. One agreement per (recipient, purpose).
   */
  purpose: string;
  description?: string;
  /**
   * UK GDPR Art 6(1) basis.
   */
  art6: "consent" | "contract" | "legal-obligation" | "vital-interests" | "public-task" | "legitimate-interests";
  art9?: AgreementArt9;
  /**
   * Art 10 basis; required when any allowed field is criminal-offence data (police, victim-of-crime or justice detail, or a person in the alleged-perpetrator role).
   */
  art10?:
    | "official-authority"
    | "dpa2018-sch1-para1"
    | "dpa2018-sch1-para6"
    | "dpa2018-sch1-para10"
    | "dpa2018-sch1-para11"
    | "dpa2018-sch1-para18"
    | "dpa2018-sch1-para19"
    | "dpa2018-sch1-para29"
    | "dpa2018-sch1-para30"
    | "dpa2018-sch1-para33";
  /**
   * Allow-list of canonical referral field paths: dotted, with element selectors people[role=a|b], people[*] (or people[]) and name[] for other arrays, e.g. people[role=child].givenName, family.address, police.childrenPresent[].voiceOfChild.
   *
   * @minItems 1
   * @maxItems 300
   */
  fields: [string, ...string[]];
}
/**
 * Required when any allowed field is special-category data.
 */
export interface AgreementArt9 {
  condition:
    "explicit-consent" | "social-protection" | "vital-interests" | "substantial-public-interest" | "health-care";
  /**
   * DPA 2018 Schedule 1 paragraph (e.g. 18 safeguarding, 17 counselling, 2 health or social care).
   */
  sch1Paragraph?: string;
}
