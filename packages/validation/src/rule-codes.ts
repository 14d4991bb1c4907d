// Every rule code a validation issue can carry, with its fixed message. Messages are
// about the rule, never about the submitted value. docs/validation-rules.md has one row
// per code (a test keeps the two in step).

export const RULE_MESSAGES = {
  'schema.required': 'A required property is missing.',
  'schema.additional-property': 'This property is not allowed here.',
  'schema.type': 'The value has the wrong JSON type.',
  'schema.enum': 'The value is not one of the allowed codes.',
  'schema.const': 'The value is not the fixed value required here.',
  'schema.max-length': 'The text is longer than allowed.',
  'schema.min-length': 'The text is shorter than allowed.',
  'schema.pattern': 'The text is not in the required pattern.',
  'schema.format': 'The value is not in the required format.',
  'schema.max-items': 'The list has more items than allowed.',
  'schema.min-items': 'The list has fewer items than required.',
  'schema.unique-items': 'The list contains the same item more than once.',
  'schema.contains': 'The list is missing a required item, or has it more often than allowed.',
  'schema.minimum': 'The number is smaller than allowed.',
  'schema.maximum': 'The number is larger than allowed.',
  'schema.multiple-of': 'The number is more precise than allowed.',
  'schema.min-properties': 'The object has fewer properties than required.',
  'schema.max-properties': 'The object has more properties than allowed.',
  'schema.discriminator': 'The resource type is missing or not one of those allowed here.',
  'schema.one-of': 'The value does not match exactly one of the allowed shapes.',
  'schema.any-of': 'The value does not match any of the allowed shapes.',
  'schema.not': 'The value has a shape that is not allowed here.',
  'schema.dependent-required': 'A property that goes with another one is missing.',
  'schema.invalid': 'The value is not valid here.',
  'date.format': 'The date or date-time is not a valid ISO 8601 value (date-times need an offset).',
  'date.future': 'The date is in the future.',
  'dob.future': 'The date of birth is in the future.',
  'dob.child-too-old': 'A person in a child role must be under 18, or under 25 with SEN or as a care leaver.',
  'dob.parent-younger-than-child': 'A parent or carer cannot be younger than a child in the same message.',
  'dob.not-under-five': 'The child must be under five years old for this message type.',
  'nhs-number.format': 'An NHS number is 10 digits, with spaces allowed only as 3 3 4.',
  'nhs-number.check-digit': 'The NHS number fails the Modulus 11 check digit.',
  'nhs-number.range': 'The NHS number is outside the ranges that are ever issued.',
  'nhs-number.test-range': 'The NHS number is in the 999 test range, which this hub does not accept.',
  'postcode.format': 'The postcode is not a well-formed full UK postcode.',
  'postcode.outward-only': 'Only the outward code was given; the full postcode is required.',
  'postcode.pseudo-without-nfa': 'A ZZ99 pseudo-postcode is accepted only for someone with no fixed abode.',
  'phone.format': 'The phone number is not a valid UK or E.164 number.',
  'email.format': 'The email address is not in a valid format.',
  'language.format': 'The language is not an ISO 639-1 two-letter code.',
  'country.format': 'The country is not an ISO 3166-1 alpha-2 code.',
  'ethnicity.code-not-in-system': 'The ethnicity code is not in the named code system.',
  'sex.code-not-in-system': 'The sex code is not in the named code system.',
  'lawful-basis.art9-required': 'Special-category data is present, so an Art 9 condition is required.',
  'lawful-basis.sch1-required': 'The substantial-public-interest condition needs its DPA 2018 Schedule 1 paragraph.',
  'lawful-basis.art10-required': 'Criminal-offence data is present, so an Art 10 basis is required.',
  'lawful-basis.consent-not-given': 'The lawful basis relies on consent, but consent was not given.',
  'message.unknown-type': 'The message type is not one this hub accepts.',
  'validation.too-many-issues': 'More problems were found than are listed here.',
} as const;

export type RuleCode = keyof typeof RULE_MESSAGES;

export function ruleMessage(code: RuleCode): string {
  return RULE_MESSAGES[code];
}
