// Data-sharing agreements: one per (recipient partner, purpose). The agreement is the allow-list
// (deny by default) and the lawful basis recorded with every disclosure made under it.

import type { AgreementEntry } from './generated/agreements.ts';
import { parseFieldPaths, type FieldPath } from './field-path.ts';
import type { SpecialCategory } from './field-catalogue.ts';

export type { AgreementEntry } from './generated/agreements.ts';

/** A loaded agreement: the file entry plus its recipient's organisation type and the parsed allow-list. */
export interface Agreement extends Readonly<AgreementEntry> {
  /** The recipient's organisation type; names its outbound schema. */
  recipientType: string;
  /** The parsed allow-list, in the order written. */
  allow: readonly FieldPath[];
  /** Special categories the allow-list can include. */
  specialCategories: readonly SpecialCategory[];
  /** Whether the allow-list can include criminal-offence data. */
  offenceData: boolean;
}

/** The lawful basis an outbound payload carries, taken from the agreement. */
export interface OutboundLawfulBasis {
  art6: string;
  art9?: string;
  sch1Paragraph?: string;
  art10?: string;
}

export function lawfulBasisOf(agreement: Pick<AgreementEntry, 'art6' | 'art9' | 'art10'>): OutboundLawfulBasis {
  return {
    art6: agreement.art6,
    ...(agreement.art9 ? { art9: agreement.art9.condition } : {}),
    ...(agreement.art9?.sch1Paragraph ? { sch1Paragraph: agreement.art9.sch1Paragraph } : {}),
    ...(agreement.art10 ? { art10: agreement.art10 } : {}),
  };
}

/** Bases that only hold when the data subject actually consented (cf. CONSENT_DEPENDENT_BASES in @hub/domain). */
export function reliesOnConsent(agreement: Pick<AgreementEntry, 'art6' | 'art9' | 'art10'>): boolean {
  return agreement.art6 === 'consent' || agreement.art9?.condition === 'explicit-consent' || agreement.art10 === 'dpa2018-sch1-para29';
}

/**
 * Parses an agreement's allow-list and checks its lawful basis covers it: a special-category
 * path needs art9, an offence-data path needs art10. Problems are pushed with `where`
 * (e.g. `config/demo/agreements.yaml /agreements/3`); the agreement is returned regardless so the
 * caller can go on checking.
 */
export function compileAgreement(entry: AgreementEntry, recipientType: string, where: string, problems: string[]): Agreement {
  const allow = parseFieldPaths(entry.fields, `${where}/fields`, problems);
  allow.forEach((path) => {
    const i = entry.fields.indexOf(path.source);
    if (path.special.length > 0 && !entry.art9) {
      problems.push(`${where}/fields/${i}: "${path.source}" is special-category data (${path.special.join(', ')}) and the agreement has no art9 condition`);
    }
    if (path.offence && !entry.art10) {
      problems.push(`${where}/fields/${i}: "${path.source}" can include criminal-offence data and the agreement has no art10 basis`);
    }
  });
  const specialCategories = [...new Set(allow.flatMap((p) => p.special))].sort();
  return { ...entry, recipientType, allow, specialCategories, offenceData: allow.some((p) => p.offence) };
}

/** Agreements by recipient and purpose. */
export interface AgreementIndex {
  /**
   * The agreement for a recipient and purpose. Without a purpose: the recipient's agreement when
   * it has exactly one, else undefined (a school has one for Operation Encompass and one for
   * early help; the caller must say which).
   */
  get(recipientPartnerId: string, purpose?: string): Agreement | undefined;
  byId(agreementId: string): Agreement | undefined;
  forRecipient(recipientPartnerId: string): readonly Agreement[];
  all(): readonly Agreement[];
}

export function agreementIndex(agreements: readonly Agreement[]): AgreementIndex {
  const byRecipient = new Map<string, Agreement[]>();
  const byId = new Map<string, Agreement>();
  for (const a of agreements) {
    byRecipient.set(a.recipient, [...(byRecipient.get(a.recipient) ?? []), a]);
    byId.set(a.id, a);
  }
  return {
    get(recipientPartnerId, purpose) {
      const list = byRecipient.get(recipientPartnerId) ?? [];
      if (purpose === undefined) return list.length === 1 ? list[0] : undefined;
      return list.find((a) => a.purpose === purpose);
    },
    byId: (id) => byId.get(id),
    forRecipient: (id) => byRecipient.get(id) ?? [],
    all: () => agreements,
  };
}
