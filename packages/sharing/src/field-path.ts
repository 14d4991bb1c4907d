// Agreement field paths: dotted names into the canonical referral, with element selectors.
//
//   needs                                  a leaf (here an array of codes, shared whole)
//   family.address                         a container: every field under it
//   people[role=child|young-person].upn    a field of the people in those roles
//   people[*].givenName / people[].givenName  a field of every person
//   police.childrenPresent[].voiceOfChild  a field of every element
//
// Role selectors are allowed on `people` only. A path is valid when, with its selectors written
// as `[]`, it names a catalogue leaf or container (field-catalogue.ts).

import { CANONICAL_CONTAINERS, CANONICAL_FIELDS, NEVER_SHARED_FIELDS, OFFENCE_ROLES, leavesUnder, type SpecialCategory } from './field-catalogue.ts';
import { PERSON_ROLES } from './canonical.ts';

export interface PathStep {
  key: string;
  /** The step walks into each element of an array. */
  each: boolean;
  /** Only elements (people) in these roles; undefined = every element. */
  roles?: ReadonlySet<string>;
}

export interface FieldPath {
  /** As written in the agreement. */
  source: string;
  steps: readonly PathStep[];
  /** With selectors written as `[]`, e.g. `people[].givenName`. */
  shape: string;
  /** Special categories of the leaves this path can include. */
  special: readonly SpecialCategory[];
  /** Whether the path can include criminal-offence data (an offence leaf, or a person in an offence role). */
  offence: boolean;
}

const SEGMENT = /^([a-zA-Z][a-zA-Z0-9]*)(?:\[(\*|role=[a-z-]+(?:\|[a-z-]+)*)?\])?$/;
const ROLES: ReadonlySet<string> = new Set(PERSON_ROLES);

/** Parses and checks one agreement path; returns a problem (fixed text plus the path) instead of throwing. */
export function parseFieldPath(source: string): { path: FieldPath } | { problem: string } {
  const steps: PathStep[] = [];
  for (const segment of source.split('.')) {
    const match = SEGMENT.exec(segment);
    if (!match) return { problem: `field path "${source}" is not of the form name, name[], name[*] or people[role=a|b] joined by dots` };
    const key = match[1] as string;
    const selector = match[0].includes('[') ? (match[2] ?? '') : undefined;
    if (selector === undefined) {
      steps.push({ key, each: false });
      continue;
    }
    if (selector.startsWith('role=')) {
      if (key !== 'people' || steps.length > 0) return { problem: `field path "${source}": role selectors are only allowed on people` };
      const roles = selector.slice('role='.length).split('|');
      const unknown = roles.find((r) => !ROLES.has(r));
      if (unknown) return { problem: `field path "${source}": unknown person role "${unknown}"` };
      steps.push({ key, each: true, roles: new Set(roles) });
    } else {
      steps.push({ key, each: true });
    }
  }
  const shape = steps.map((s) => (s.each ? `${s.key}[]` : s.key)).join('.');
  if (NEVER_SHARED_FIELDS.includes(shape)) return { problem: `field path "${source}" is never shared (the envelope carries it, or it is internal)` };
  if (!CANONICAL_FIELDS.has(shape) && !CANONICAL_CONTAINERS.has(shape)) return { problem: `field path "${source}" is not a field of the canonical referral` };
  const leaves = leavesUnder(shape);
  const special = [...new Set(leaves.map((l) => CANONICAL_FIELDS.get(l)?.special).filter((s): s is SpecialCategory => s !== undefined))].sort();
  const people = steps[0]?.key === 'people' ? steps[0] : undefined;
  const offenceRole = people !== undefined && (people.roles === undefined || OFFENCE_ROLES.some((r) => people.roles?.has(r)));
  const offence = offenceRole || leaves.some((l) => CANONICAL_FIELDS.get(l)?.offence === true);
  return { path: { source, steps, shape, special, offence } };
}

/** Parses a list of paths; every problem is pushed (with `where`), valid paths are returned. */
export function parseFieldPaths(sources: readonly string[], where: string, problems: string[]): FieldPath[] {
  const paths: FieldPath[] = [];
  sources.forEach((source, i) => {
    const parsed = parseFieldPath(source);
    if ('problem' in parsed) problems.push(`${where}/${i}: ${parsed.problem}`);
    else paths.push(parsed.path);
  });
  return paths;
}

/** One step of a concrete position in a payload: a key, and for array elements the index and (people) role. */
export interface ConcreteStep {
  key: string;
  index?: number;
  role?: string;
}

/**
 * Whether `path` covers the concrete position `at` (the position is the node the path names, or
 * inside it). Written independently of the projection in minimise.ts on purpose: it is the
 * second, separate check that nothing outside the allow-list is in a payload.
 */
export function pathCovers(path: FieldPath, at: readonly ConcreteStep[]): boolean {
  if (at.length < path.steps.length) return false;
  for (let i = 0; i < path.steps.length; i += 1) {
    const want = path.steps[i] as PathStep;
    const got = at[i] as ConcreteStep;
    if (want.key !== got.key) return false;
    const last = i === path.steps.length - 1;
    if (want.each) {
      if (got.index === undefined) return last;
      if (want.roles && (got.role === undefined || !want.roles.has(got.role))) return false;
    } else if (got.index !== undefined && !last) {
      return false;
    }
  }
  return true;
}
