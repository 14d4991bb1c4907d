// A "plan" is a tree built once from a type schema: for each property/array position,
// the x-* annotations and formats that apply there, with $ref, allOf/anyOf/oneOf and
// if/then/else folded in. The domain rules walk a message alongside its plan, so they
// find NHS numbers, postcodes, people and special-category fields generically, from the
// schema, instead of knowing where each type keeps them.

export interface PlanAnnotations {
  specialCategory?: string;
  offenceData?: boolean;
  shape?: string;
  notFuture?: boolean;
  ageRule?: string;
  formats: ReadonlySet<string>;
}

export interface PlanNode {
  readonly annotations: PlanAnnotations;
  readonly properties: ReadonlyMap<string, PlanNode>;
  readonly items: PlanNode | null;
  /** Nothing at or below this node matters to a rule: the walker skips it. */
  readonly inert: boolean;
}

type SchemaObject = Record<string, unknown>;
interface Located {
  schema: SchemaObject;
  base: string;
}

/** Formats whose values the domain rules look at again with context. */
const RULE_FORMATS = new Set(['nhs-number', 'uk-postcode']);
const MAX_DEPTH = 64;

function isSchemaObject(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodePointerSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

export class SchemaRegistry {
  readonly #documents = new Map<string, SchemaObject>();

  add(schema: SchemaObject): void {
    const id = schema.$id;
    if (typeof id !== 'string') throw new Error('A schema added to the registry needs an $id');
    this.#documents.set(id, schema);
  }

  resolve(ref: string, base: string): Located {
    const url = new URL(ref, base);
    const fragment = decodeURIComponent(url.hash.replace(/^#/, ''));
    url.hash = '';
    const documentId = url.href;
    let target: unknown = this.#documents.get(documentId);
    if (target === undefined) throw new Error(`Unresolvable $ref ${ref} from ${base}`);
    for (const segment of fragment.split('/').slice(1)) {
      target = isSchemaObject(target) ? target[decodePointerSegment(segment)] : undefined;
    }
    if (!isSchemaObject(target)) throw new Error(`Unresolvable $ref ${ref} from ${base}`);
    return { schema: target, base: documentId };
  }
}

function collect(located: Located, registry: SchemaRegistry, out: Located[], seen: Set<SchemaObject>): void {
  const { schema } = located;
  if (seen.has(schema)) return;
  seen.add(schema);
  const base = typeof schema.$id === 'string' ? new URL(schema.$id, located.base).href : located.base;
  out.push({ schema, base });
  if (typeof schema.$ref === 'string') collect(registry.resolve(schema.$ref, base), registry, out, seen);
  for (const keyword of ['allOf', 'anyOf', 'oneOf'] as const) {
    const branches = schema[keyword];
    if (Array.isArray(branches)) {
      for (const branch of branches) if (isSchemaObject(branch)) collect({ schema: branch, base }, registry, out, seen);
    }
  }
  // `if` only holds conditions; what it selects lives in `then`/`else`.
  for (const keyword of ['then', 'else'] as const) {
    const branch = schema[keyword];
    if (isSchemaObject(branch)) collect({ schema: branch, base }, registry, out, seen);
  }
}

function buildNode(entries: Located[], registry: SchemaRegistry, depth: number): PlanNode {
  if (depth > MAX_DEPTH) throw new Error('Schema nesting is too deep to plan (recursive schema?)');
  const flat: Located[] = [];
  const seen = new Set<SchemaObject>();
  for (const entry of entries) collect(entry, registry, flat, seen);

  const formats = new Set<string>();
  const annotations: { -readonly [K in keyof PlanAnnotations]: PlanAnnotations[K] } = { formats };
  const childEntries = new Map<string, Located[]>();
  const itemEntries: Located[] = [];
  for (const { schema, base } of flat) {
    if (typeof schema['x-special-category'] === 'string') annotations.specialCategory ??= schema['x-special-category'];
    if (schema['x-offence-data'] === true) annotations.offenceData = true;
    if (typeof schema['x-shape'] === 'string') annotations.shape ??= schema['x-shape'];
    if (schema['x-not-future'] === true) annotations.notFuture = true;
    if (typeof schema['x-age-rule'] === 'string') annotations.ageRule ??= schema['x-age-rule'];
    if (typeof schema.format === 'string') formats.add(schema.format);
    if (isSchemaObject(schema.properties)) {
      for (const [key, sub] of Object.entries(schema.properties)) {
        if (!isSchemaObject(sub)) continue;
        const list = childEntries.get(key) ?? [];
        list.push({ schema: sub, base });
        childEntries.set(key, list);
      }
    }
    if (isSchemaObject(schema.items)) itemEntries.push({ schema: schema.items, base });
    if (Array.isArray(schema.prefixItems)) {
      for (const sub of schema.prefixItems) if (isSchemaObject(sub)) itemEntries.push({ schema: sub, base });
    }
  }

  const properties = new Map<string, PlanNode>();
  for (const [key, list] of childEntries) {
    const child = buildNode(list, registry, depth + 1);
    if (!child.inert) properties.set(key, child);
  }
  const itemsNode = itemEntries.length > 0 ? buildNode(itemEntries, registry, depth + 1) : null;
  const items = itemsNode && !itemsNode.inert ? itemsNode : null;
  const selfRelevant =
    annotations.specialCategory !== undefined ||
    annotations.offenceData === true ||
    annotations.shape !== undefined ||
    annotations.notFuture === true ||
    annotations.ageRule !== undefined ||
    [...formats].some((f) => RULE_FORMATS.has(f));
  return { annotations, properties, items, inert: !selfRelevant && properties.size === 0 && items === null };
}

/** Builds the plan of a type schema whose $refs resolve through `registry`. */
export function buildPlan(schema: SchemaObject, registry: SchemaRegistry): PlanNode {
  const base = typeof schema.$id === 'string' ? schema.$id : 'urn:inbound:anonymous';
  return buildNode([{ schema, base }], registry, 0);
}

export interface PlanVisit {
  node: PlanNode;
  value: unknown;
  pointer: string;
  /** The enclosing values, outermost first (the last one holds `value`). */
  ancestors: readonly unknown[];
}

function escapeSegment(segment: string): string {
  return segment.includes('~') || segment.includes('/') ? segment.replace(/~/g, '~0').replace(/\//g, '~1') : segment;
}

/** Walks `value` alongside `plan`, calling `visit` for every present value at a non-inert node. */
export function walkPlan(plan: PlanNode, value: unknown, pointer: string, visit: (visit: PlanVisit) => void): void {
  const ancestors: unknown[] = [];
  const step = (node: PlanNode, current: unknown, at: string): void => {
    if (node.inert || current === undefined) return;
    visit({ node, value: current, pointer: at, ancestors });
    if (Array.isArray(current)) {
      if (!node.items) return;
      ancestors.push(current);
      for (let i = 0; i < current.length; i++) step(node.items, current[i], `${at}/${i}`);
      ancestors.pop();
    } else if (typeof current === 'object' && current !== null && node.properties.size > 0) {
      ancestors.push(current);
      for (const [key, child] of node.properties) {
        if (Object.hasOwn(current, key)) step(child, (current as Record<string, unknown>)[key], `${at}/${escapeSegment(key)}`);
      }
      ancestors.pop();
    }
  };
  step(plan, value, pointer);
}
