// The canonical referral contract, from @hub/domain, under the names this package uses.
export type {
  CanonicalReferral,
  CanonicalPerson,
  CanonicalNeed as Need,
  CanonicalUrgency as Urgency,
  CanonicalPersonRole as PersonRole,
} from '@hub/domain';
export { PERSON_ROLES, CHILD_ROLES, SPECIAL_CATEGORY_PATHS, OFFENCE_DATA_PATHS, REFERRAL_SOURCE_TYPES } from '@hub/domain';
