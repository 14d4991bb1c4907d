// Roles a person can hold in a message, and the groups the generic age rules use.

export const PERSON_ROLES = [
  'child',
  'young-person',
  'parent',
  'step-parent',
  'carer',
  'guardian',
  'adult',
  'victim',
  'alleged-perpetrator',
  'other',
] as const;
export type PersonRole = (typeof PERSON_ROLES)[number];

/** Roles that describe a child: under 18, or under 25 when SEN or a care leaver. */
export const CHILD_ROLES: readonly PersonRole[] = ['child', 'young-person'];
/** Roles that describe someone with parental responsibility or care of the children. */
export const PARENT_ROLES: readonly PersonRole[] = ['parent', 'step-parent', 'carer', 'guardian'];

export function isChildRole(role: string): boolean {
  return (CHILD_ROLES as readonly string[]).includes(role);
}

export function isParentRole(role: string): boolean {
  return (PARENT_ROLES as readonly string[]).includes(role);
}

/** Age (in whole years) at which someone in a child role stops being a child. */
export const CHILD_AGE_LIMIT_YEARS = 18;
/** The extended limit for young people with SEN or who are care leavers. */
export const EXTENDED_CHILD_AGE_LIMIT_YEARS = 25;

export const CONSENT_STATUSES = ['given', 'refused', 'not-sought'] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];
