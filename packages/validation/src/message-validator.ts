// The validator the gateway uses: everything compiled once at creation; each call runs
// one compiled Ajv function and one walk for the domain rules.

import type { ValidateFunction } from 'ajv';
import { createAjv } from './ajv.ts';
import { checkDomainRules } from './domain-rules.ts';
import { issue, issuesFromAjv } from './issues.ts';
import type { ValidationIssue } from './issues.ts';
import { SchemaRegistry, buildPlan } from './schema-plan.ts';
import type { PlanNode } from './schema-plan.ts';
import { loadInboundSchemas, typeSchemaId } from './schema-files.ts';

export interface InboundEnvelope {
  type: string;
  timestamp: string;
  data: unknown;
}

export type EnvelopeResult = { ok: true; envelope: InboundEnvelope } | { ok: false; issues: ValidationIssue[] };

export interface MessageValidator {
  knownTypes(): readonly string[];
  validateEnvelope(body: unknown): EnvelopeResult;
  /** Schema first, then domain rules (only on schema-valid data). `[]` means valid. */
  validateMessage(type: string, data: unknown, opts?: { now?: Date }): ValidationIssue[];
  schemaIdFor(type: string): string;
}

export interface MessageValidatorOptions {
  /** Accept NHS numbers in the 999 test range (HUB_ALLOW_TEST_NHS_NUMBERS; on in demo and tests). */
  allowTestNhsNumbers: boolean;
  /** Directory holding common.json, envelope.json and <type>.v1.json; defaults to the repo's schemas/inbound. */
  schemaDir?: string;
}

interface CompiledType {
  validate: ValidateFunction;
  plan: PlanNode;
  schemaId: string;
}

export function createMessageValidator(opts: MessageValidatorOptions): MessageValidator {
  const schemas = loadInboundSchemas(opts.schemaDir);
  const ajv = createAjv();
  const registry = new SchemaRegistry();
  ajv.addSchema(schemas.common);
  registry.add(schemas.common);
  const validateEnvelopeBody = ajv.compile(schemas.envelope);

  const compiled = new Map<string, CompiledType>();
  for (const [type, schema] of schemas.types) {
    registry.add(schema);
    compiled.set(type, { validate: ajv.compile(schema), plan: buildPlan(schema, registry), schemaId: typeSchemaId(type) });
  }
  const knownTypes: readonly string[] = Object.freeze([...compiled.keys()]);

  return {
    knownTypes: () => knownTypes,

    validateEnvelope(body) {
      if (validateEnvelopeBody(body)) return { ok: true, envelope: body as InboundEnvelope };
      return { ok: false, issues: issuesFromAjv(validateEnvelopeBody.errors) };
    },

    validateMessage(type, data, callOpts) {
      const entry = compiled.get(type);
      if (!entry) return [issue('/type', 'message.unknown-type')];
      if (!entry.validate(data)) return issuesFromAjv(entry.validate.errors, { basePointer: '/data' });
      return checkDomainRules(entry.plan, data, {
        now: callOpts?.now ?? new Date(),
        allowTestNhsNumbers: opts.allowTestNhsNumbers,
      });
    },

    schemaIdFor(type) {
      const entry = compiled.get(type);
      if (!entry) throw new Error('Unknown message type');
      return entry.schemaId;
    },
  };
}
