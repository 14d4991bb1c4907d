// Candidates for a subject access request, as the DPO sees them: the store's ids and counts, plus
// the person's names, years of birth and NHS numbers MASKED (decrypted from a few of their
// referrals, masked here, never returned whole). Two hub ids are always two candidates.
import { maskDateOfBirth, maskName, maskNhsNumber, type CanonicalReferral } from '@hub/domain';
import type { PersonCandidate, Store } from '@hub/store';

export interface DescribedCandidate extends PersonCandidate {
  maskedNames: string[];
  maskedDatesOfBirth: string[];
  maskedNhsNumbers: string[];
}

export async function describeCandidates(store: Pick<Store, 'readReferral'>, candidates: readonly PersonCandidate[]): Promise<DescribedCandidate[]> {
  return Promise.all(
    candidates.map(async (candidate) => {
      const names = new Set<string>();
      const dobs = new Set<string>();
      const numbers = new Set<string>();
      for (const referralId of candidate.recentReferralIds) {
        const stored = await store.readReferral(referralId).catch(() => null);
        if (!stored) continue;
        const refs = new Set(stored.people.filter((p) => p.hubPersonId === candidate.personId).map((p) => p.personRef));
        let referral: CanonicalReferral;
        try {
          referral = JSON.parse(stored.canonical.toString('utf8')) as CanonicalReferral;
        } catch {
          continue;
        }
        for (const person of referral.people.filter((p) => refs.has(p.personRef))) {
          names.add(maskName(`${person.givenName} ${person.familyName}`));
          if (person.dateOfBirth) dobs.add(maskDateOfBirth(person.dateOfBirth));
          if (person.nhsNumber) numbers.add(maskNhsNumber(person.nhsNumber));
        }
      }
      return { ...candidate, maskedNames: [...names].sort(), maskedDatesOfBirth: [...dobs].sort(), maskedNhsNumbers: [...numbers].sort() };
    }),
  );
}
