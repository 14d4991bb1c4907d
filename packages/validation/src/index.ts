// @hub/validation: one configured Ajv, the inbound message validator, and the mapping
// from Ajv errors to issues that never echo submitted values.

export { createAjv, SPECIAL_CATEGORIES, SHAPES, AGE_RULES } from './ajv.ts';
export { issuesFromAjv, MAX_ISSUES } from './issues.ts';
export type { ValidationIssue, IssueMappingOptions } from './issues.ts';
export { createMessageValidator } from './message-validator.ts';
export type { MessageValidator, MessageValidatorOptions, InboundEnvelope, EnvelopeResult } from './message-validator.ts';
export { RULE_MESSAGES, ruleMessage } from './rule-codes.ts';
export type { RuleCode } from './rule-codes.ts';
export {
  loadInboundSchemas,
  typeSchemaId,
  DEFAULT_INBOUND_SCHEMA_DIR,
  SCHEMA_ID_BASE,
  COMMON_SCHEMA_ID,
  ENVELOPE_SCHEMA_ID,
} from './schema-files.ts';
export type { InboundSchemaSet, JsonSchema } from './schema-files.ts';
export { escapePointerSegment, appendPointer } from './pointer.ts';
