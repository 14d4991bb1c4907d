// Needs: de-duplicated and put in the order of the Need list in referral.ts.

import type { Need } from '../referral.ts';

// A Record so the compiler insists on every Need; the numbers are the order of the list in referral.ts.
const NEED_RANK: Readonly<Record<Need, number>> = {
  education: 0,
  'early-years': 1,
  health: 2,
  'substance-use': 3,
  'family-relationships': 4,
  'child-safety': 5,
  crime: 6,
  'domestic-abuse': 7,
  housing: 8,
  'financial-stability': 9,
  employment: 10,
};

function isNeed(value: string): value is Need {
  return Object.hasOwn(NEED_RANK, value);
}

/** Known needs from `needs`, each once, in canonical order; anything that is not a Need is dropped. */
export function orderedNeeds(needs: Iterable<string>): Need[] {
  const unique = new Set<Need>();
  for (const need of needs) if (isNeed(need)) unique.add(need);
  return [...unique].sort((a, b) => NEED_RANK[a] - NEED_RANK[b]);
}

/** The message's own needs when it has any; otherwise the ones inferred from its content. */
export function needsOrInferred(messageNeeds: readonly string[] | undefined, inferred: () => Iterable<string>): Need[] {
  return orderedNeeds(messageNeeds && messageNeeds.length > 0 ? messageNeeds : inferred());
}
