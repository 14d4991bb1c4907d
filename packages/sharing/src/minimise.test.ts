import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Agreement } from './agreements.ts';
import { compileAgreement } from './agreements.ts';
import type { CanonicalPerson, CanonicalReferral } from './canonical.ts';
import { PERSON_ROLES } from './canonical.ts';
import { checkPayloadAgainstAllowList, ENVELOPE_KEYS, envelopeOf, minimise, MinimisationError, type MinimiseResult } from './minimise.ts';
import { parseFieldPath } from './field-path.ts';
import { planSharing } from './plan.ts';
import { FULL_SAMPLE_REFERRAL } from './sample-referral.ts';
import { demoPartners, demoSharing, fixtureReferral, REFERRAL_FIXTURE_TYPES } from './test-support/demo.ts';

const partners = demoPartners();
const sharing = demoSharing(partners);
const agreements = sharing.agreements.all();

function run(referral: CanonicalReferral, agreement: Agreement, subjects?: readonly string[]): MinimiseResult {
  return minimise(referral, agreement, { deliveryId: 'dlv_test', referralId: referral.referralId, purpose: agreement.purpose, recipientPartnerId: agreement.recipient, ...(subjects ? { subjects } : {}) });
}

/**
 * The test's own reading of an allow-list (deliberately not the package's matcher): is the canonical
 * leaf `shape` (e.g. `people[].givenName`) of a person in `role` allowed?
 */
function allowedByText(fields: readonly string[], shape: string, role: string | undefined): boolean {
  return fields.some((field) => {
    const roleMatch = /^people\[role=([^\]]+)\]/.exec(field);
    if (roleMatch && !(roleMatch[1] as string).split('|').includes(role ?? '')) return false;
    const fieldShape = field.replace(/\[[^\]]*\]/g, '[]');
    const bare = fieldShape.endsWith('[]') ? fieldShape.slice(0, -2) : fieldShape;
    return shape === bare || shape.startsWith(`${bare}.`) || shape.startsWith(`${bare}[].`);
  });
}

const STRUCTURAL = new Set(['people[].personRef', 'people[].role', 'police.childrenPresent[].personRef']);
const SCALAR_ARRAYS = new Set(['needs', 'agenciesInvolved', 'family.address.lines', 'people[].address.lines', 'people[].healthConditions', 'police.concernTypes', 'health.concernCategories', 'housing.riskReasons', 'employment.barriers']);

interface Leaf {
  shape: string;
  /** personRef of the person (people) or child (childrenPresent) it belongs to. */
  owner?: string;
  role?: string;
  pointer: string;
}

/** Leaves of a canonical-shaped value (scalars and arrays of scalars), with their owner person. */
function leavesOf(value: unknown, shape = '', pointer = '', owner?: { ref?: string; role?: string }, out: Leaf[] = []): Leaf[] {
  if (Array.isArray(value) && !SCALAR_ARRAYS.has(shape)) {
    value.forEach((el, i) => {
      const rec = el as Record<string, unknown>;
      const next = shape === 'people' ? { ref: rec.personRef as string, role: rec.role as string } : shape === 'police.childrenPresent' ? { ref: rec.personRef as string } : owner;
      leavesOf(el, `${shape}[]`, `${pointer}/${i}`, next, out);
    });
  } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (shape === '' && ENVELOPE_KEYS.includes(k)) continue;
      leavesOf(v, shape === '' ? k : `${shape}.${k}`, `${pointer}/${k}`, owner, out);
    }
  } else {
    out.push({ shape, pointer, ...(owner?.ref ? { owner: owner.ref } : {}), ...(owner?.role ? { role: owner.role } : {}) });
  }
  return out;
}

const keyOf = (l: Leaf): string => `${l.owner ?? '-'}:${l.shape}`;
const roleOfRef = (referral: CanonicalReferral, ref: string | undefined): string | undefined => referral.people.find((p) => p.personRef === ref)?.role;

describe('minimise: every demo agreement over the rich referral', () => {
  for (const agreement of agreements) {
    it(`${agreement.id} sends exactly the allowed fields`, () => {
      const { payload, fields, specialCategories, offenceData } = run(FULL_SAMPLE_REFERRAL, agreement);
      const expected = leavesOf(FULL_SAMPLE_REFERRAL)
        .filter((l) => !l.shape.endsWith('.hubPersonId') && !['referralId', 'messageId', 'correlationId', 'sourceType', 'urgency'].includes(l.shape) && !l.shape.startsWith('lawfulBasis.'))
        .filter((l) => !STRUCTURAL.has(l.shape))
        .filter((l) => allowedByText(agreement.fields, l.shape, l.shape.startsWith('people[]') ? l.role : undefined))
        .map(keyOf);
      const actual = leavesOf(payload).filter((l) => !STRUCTURAL.has(l.shape));
      expect(actual.map(keyOf).sort()).toEqual([...new Set(expected)].sort());
      // Every person sent carries personRef and role; nobody is sent with nothing.
      for (const person of payload.people ?? []) {
        expect(typeof person.personRef).toBe('string');
        expect(typeof person.role).toBe('string');
        expect(Object.keys(person).length).toBeGreaterThan(2);
      }
      // The envelope: ids, purpose and the agreement's lawful basis.
      expect(payload).toMatchObject({ referralId: 'ref_sample', deliveryId: 'dlv_test', recipient: agreement.recipient, purpose: agreement.purpose, agreementId: agreement.id, sourceType: FULL_SAMPLE_REFERRAL.sourceType, urgency: 'urgent' });
      expect(payload.lawfulBasis.art6).toBe(agreement.art6);
      expect(payload.lawfulBasis.art9).toBe(agreement.art9?.condition);
      expect(payload.lawfulBasis.art10).toBe(agreement.art10);
      // Reported fields point at real nodes of the payload.
      for (const pointer of fields) {
        const node = pointer.split('/').slice(1).reduce<unknown>((n, k) => (n as Record<string, unknown>)?.[k], payload);
        expect(node, pointer).toBeDefined();
      }
      expect(specialCategories.length > 0).toBe(agreement.specialCategories.length > 0);
      expect(offenceData).toBe(agreement.offenceData);
    });
  }

  it('puts exactly the envelope keys first', () => {
    const agreement = agreements[0] as Agreement;
    expect(Object.keys(envelopeOf(FULL_SAMPLE_REFERRAL, agreement, { referralId: 'r', deliveryId: 'd', purpose: agreement.purpose, recipientPartnerId: agreement.recipient }))).toEqual(ENVELOPE_KEYS);
    expect(Object.keys(run(FULL_SAMPLE_REFERRAL, agreement).payload).slice(0, ENVELOPE_KEYS.length)).toEqual(ENVELOPE_KEYS);
  });

  it('never changes the referral', () => {
    const copy = structuredClone(FULL_SAMPLE_REFERRAL);
    for (const agreement of agreements) run(FULL_SAMPLE_REFERRAL, agreement);
    expect(FULL_SAMPLE_REFERRAL).toEqual(copy);
  });
});

describe('what each kind of recipient may never receive', () => {
  const schools = agreements.filter((a) => a.recipientType === 'education');
  const FORBIDDEN_FOR_SCHOOLS = /ethnicity|religion|sexualOrientation|healthConditions|disability|nhsNumber|health\.|justice\.|victim\.|police\.(riskLevel|crimeRecorded|concernType|significantHarm|locationType)/;

  it('a school never gets parents, health, ethnicity, religion or police detail — but Encompass gets its own fields', () => {
    expect(schools.length).toBeGreaterThanOrEqual(10);
    for (const agreement of schools) {
      const { payload } = run(FULL_SAMPLE_REFERRAL, agreement);
      const leaves = leavesOf(payload);
      expect(leaves.filter((l) => FORBIDDEN_FOR_SCHOOLS.test(l.shape)).map((l) => l.pointer), agreement.id).toEqual([]);
      expect(new Set((payload.people ?? []).map((p) => p.role))).toEqual(new Set(['child', 'young-person']));
      const police = leaves.filter((l) => l.shape.startsWith('police.')).map((l) => l.shape);
      if (agreement.purpose === 'operation-encompass') {
        expect(new Set(police)).toEqual(
          new Set(['police.reference', 'police.incidentAt', 'police.incidentLocation', 'police.circumstances', 'police.childrenPresent[].personRef', 'police.childrenPresent[].present', 'police.childrenPresent[].whereabouts', 'police.childrenPresent[].voiceOfChild', 'police.safeguardingInformation']),
        );
        expect(payload.lawfulBasis.art10).toBe('dpa2018-sch1-para18');
      } else {
        expect(police).toEqual([]);
        expect(payload.lawfulBasis.art10).toBeUndefined();
      }
    }
  });

  it('a voluntary body never gets an NHS number or special-category data', () => {
    const vcs = agreements.filter((a) => a.recipientType === 'voluntary-community');
    expect(vcs.length).toBeGreaterThan(0);
    for (const agreement of vcs) {
      const result = run(FULL_SAMPLE_REFERRAL, agreement);
      expect(result.specialCategories).toEqual([]);
      expect(leavesOf(result.payload).filter((l) => /nhsNumber|ethnicity|religion|sexualOrientation|healthConditions|disability|health\.|familyName/.test(l.shape))).toEqual([]);
      expect(result.payload.lawfulBasis.art9).toBeUndefined();
    }
  });

  it('the GP, Job Centre, financial advisor and Victim Support get no education, children or perpetrator detail as table (b) says', () => {
    const gp = run(FULL_SAMPLE_REFERRAL, sharing.agreements.get('ardwick-medical-practice', 'health-support') as Agreement);
    expect(leavesOf(gp.payload).filter((l) => /^(education|housing|employment|police|justice)\./.test(l.shape))).toEqual([]);
    expect(gp.payload.people?.some((p) => p.role === 'alleged-perpetrator')).toBe(false);
    for (const id of ['jobcentre-manchester-central', 'citizens-advice-manchester']) {
      const { payload } = run(FULL_SAMPLE_REFERRAL, sharing.agreements.forRecipient(id)[0] as Agreement);
      expect((payload.people ?? []).filter((p) => p.role === 'child' || p.role === 'young-person')).toEqual([]);
      expect(leavesOf(payload).filter((l) => /health|police|justice/.test(l.shape))).toEqual([]);
    }
    const vs = run(FULL_SAMPLE_REFERRAL, sharing.agreements.get('victim-support-gm') as Agreement);
    expect(vs.payload.people?.some((p) => p.role === 'alleged-perpetrator')).toBe(false);
    expect(leavesOf(vs.payload).filter((l) => /address/.test(l.shape))).toEqual([]);
  });
});

describe('minimise on the normalised fixtures', () => {
  it('builds a valid payload for every share the demo rules make', () => {
    let count = 0;
    for (const type of REFERRAL_FIXTURE_TYPES) {
      const referral = fixtureReferral(type);
      for (const d of planSharing(referral, { ...sharing, partners }).decisions.filter((x) => x.decision === 'share')) {
        const agreement = sharing.agreements.byId(d.agreementId ?? '') as Agreement;
        const result = minimise(referral, agreement, { deliveryId: 'dlv', referralId: referral.referralId, purpose: d.purpose, recipientPartnerId: d.recipientPartnerId, ...(d.subjects ? { subjects: d.subjects } : {}) });
        expect(result.fields.length, `${type} → ${d.recipientPartnerId}`).toBeGreaterThan(0);
        count += 1;
      }
    }
    expect(count).toBeGreaterThanOrEqual(15);
  });

  it("scopes an Encompass school's payload to its own pupil", () => {
    const referral = fixtureReferral('police.domestic-abuse.notified');
    const decision = planSharing(referral, { ...sharing, partners }).decisions.find((d) => d.recipientPartnerId === 'oakfield-primary');
    const agreement = sharing.agreements.get('oakfield-primary', 'operation-encompass') as Agreement;
    const { payload, fields, offenceData } = run(referral, agreement, decision?.subjects);
    expect(payload.people?.map((p) => p.givenName)).toEqual(['Kai']);
    const police = payload.police as { childrenPresent: { personRef: string; voiceOfChild?: string }[]; reference: string };
    expect(police.childrenPresent).toEqual([{ personRef: payload.people?.[0]?.personRef, present: true, whereabouts: 'In his bedroom upstairs', voiceOfChild: 'Said he was scared and wanted to go to school as normal.' }]);
    expect(police.reference).toBe('GMP/26/112233');
    expect(fields).toContain('/people/0/givenName');
    expect(fields).toContain('/police/childrenPresent/0/voiceOfChild');
    expect(offenceData).toBe(true);
    expect(JSON.stringify(payload)).not.toMatch(/Grace|Daniel|Ella|riskLevel|crimeRecorded/);
  });

  it('leaves out people who contribute no allowed field', () => {
    const referral = fixtureReferral('family.self-referral.submitted');
    const { payload } = run(referral, sharing.agreements.get('st-marys-primary', 'early-help-support') as Agreement, ['p2']);
    expect(payload.people?.map((p) => [p.personRef, p.role])).toEqual([['p2', 'child']]);
  });
});

describe('MinimisationError', () => {
  const school = sharing.agreements.get('st-marys-primary', 'early-help-support') as Agreement;

  it('fires when the projection uses a tampered allow-list (the leaf check reads the agreement as written)', () => {
    const ethnicity = parseFieldPath('people[role=child].ethnicity');
    if ('problem' in ethnicity) throw new Error(ethnicity.problem);
    const tampered: Agreement = { ...school, allow: [...school.allow, ethnicity.path] };
    expect(() => run(FULL_SAMPLE_REFERRAL, tampered)).toThrow(MinimisationError);
    try {
      run(FULL_SAMPLE_REFERRAL, tampered);
    } catch (err) {
      expect((err as MinimisationError).failure).toBe('not-allowed');
      expect((err as MinimisationError).pointers.every((p) => /^\/people\/\d+\/ethnicity\/(system|code)$/.test(p))).toBe(true);
      expect((err as Error).message).not.toMatch(/white-british/);
    }
  });

  it('fires for a payload leaf outside the allow-list, an unknown field, or missing Art 9 / Art 10 basis', () => {
    const { payload } = run(FULL_SAMPLE_REFERRAL, school);
    const withReligion = structuredClone(payload);
    (withReligion.people?.[0] as Record<string, unknown>).religion = 'x';
    expect(() => checkPayloadAgainstAllowList(withReligion, school)).toThrow(/outside the agreement: \/people\/0\/religion/);
    expect(() => checkPayloadAgainstAllowList({ ...payload, shoeSize: 9 }, school)).toThrow(/not canonical referral fields: \/shoeSize/);
    const noArt9 = { ...school, fields: [...school.fields, 'people[role=child].healthConditions'] as [string, ...string[]] };
    expect(() => checkPayloadAgainstAllowList({ ...payload, people: [{ personRef: 'p1', role: 'child', healthConditions: ['x'] }] }, noArt9)).toThrow(/no art9 condition/);
    expect(() => checkPayloadAgainstAllowList({ ...payload, people: [{ personRef: 'p9', role: 'alleged-perpetrator' }] }, school)).toThrow(/no art10 basis/);
  });

  it('fires when the payload does not fit the outbound schema', () => {
    const problems: string[] = [];
    const tooMuch = compileAgreement({ id: 'st-marys-primary/too-much', recipient: 'st-marys-primary', purpose: 'too-much', art6: 'public-task', fields: ['needs', 'people[role=parent].givenName'] }, 'education', 'test', problems);
    expect(problems).toEqual([]);
    expect(() => run(FULL_SAMPLE_REFERRAL, tooMuch)).toThrow(/does not match the education outbound schema/);
  });

  it('fires when the agreement is for another purpose or recipient', () => {
    expect(() => minimise(FULL_SAMPLE_REFERRAL, school, { deliveryId: 'd', referralId: 'r', purpose: 'operation-encompass', recipientPartnerId: 'st-marys-primary' })).toThrow(/another purpose/);
    expect(() => minimise(FULL_SAMPLE_REFERRAL, school, { deliveryId: 'd', referralId: 'r', purpose: 'early-help-support', recipientPartnerId: 'oakfield-primary' })).toThrow(/another recipient/);
  });
});

describe('minimise property: random referrals × every agreement', () => {
  const samplePerson = FULL_SAMPLE_REFERRAL.people[0] as CanonicalPerson;
  const personKeys = Object.keys(samplePerson).filter((k) => !['personRef', 'role', 'givenName', 'familyName'].includes(k)) as (keyof CanonicalPerson)[];
  const blockKeys = ['sourceReference', 'needSummary', 'referrer', 'leadPractitioner', 'agenciesInvolved', 'safeguardingConcern', 'police', 'education', 'health', 'housing', 'employment', 'victim', 'justice', 'socialCare', 'vcs'] as const;

  const person = (i: number): fc.Arbitrary<CanonicalPerson> =>
    fc.record({ role: fc.constantFrom(...PERSON_ROLES), keys: fc.subarray(personKeys) }).map(({ role, keys }) => {
      const p: Record<string, unknown> = { personRef: `p${i + 1}`, role, givenName: `G${i}`, familyName: 'Random' };
      for (const k of keys) p[k] = samplePerson[k];
      return p as unknown as CanonicalPerson;
    });

  const referral: fc.Arbitrary<CanonicalReferral> = fc
    .record({
      n: fc.integer({ min: 0, max: 6 }),
      blocks: fc.subarray([...blockKeys]),
      familyKeys: fc.subarray(['address', 'postcodeDistrict', 'householdSize', 'tenure', 'contact'] as const),
      consent: fc.constantFrom('given', 'refused', 'not-sought'),
      seed: fc.integer({ min: 1, max: 1_000_000 }),
    })
    .chain(({ n, blocks, familyKeys, consent }) =>
      fc.tuple(...Array.from({ length: n }, (_, i) => person(i))).map((people) => {
        const r: Record<string, unknown> = {
          ...Object.fromEntries(Object.entries(FULL_SAMPLE_REFERRAL).filter(([k]) => !(blockKeys as readonly string[]).includes(k))),
          consent: { status: consent },
          family: { contactSafe: true, ...Object.fromEntries(familyKeys.map((k) => [k, FULL_SAMPLE_REFERRAL.family[k]])) },
          people,
        };
        for (const b of blocks) r[b] = structuredClone((FULL_SAMPLE_REFERRAL as unknown as Record<string, unknown>)[b]);
        // Children present refer to people that exist.
        if (r.police) (r.police as { childrenPresent: { personRef: string }[] }).childrenPresent = people.filter((p) => p.role === 'child').map((p) => ({ personRef: p.personRef, present: true, voiceOfChild: 'v' }));
        return r as unknown as CanonicalReferral;
      }),
    );

  it('every leaf of every payload is allowed by the agreement as written', () => {
    fc.assert(
      fc.property(referral, fc.constantFrom(...agreements), fc.option(fc.subarray(['p1', 'p2', 'p3', 'p4']), { nil: undefined }), (r, agreement, subjects) => {
        const { payload, fields } = run(r, agreement, subjects);
        for (const leaf of leavesOf(payload)) {
          if (STRUCTURAL.has(leaf.shape)) continue;
          const role = leaf.shape.startsWith('people[]') ? leaf.role : undefined;
          expect(allowedByText(agreement.fields, leaf.shape, role), `${agreement.id} ${leaf.pointer}`).toBe(true);
          if (subjects && leaf.owner) expect(subjects).toContain(leaf.owner);
          if (leaf.shape.startsWith('police.childrenPresent[]')) expect(roleOfRef(r, leaf.owner)).toBe('child');
        }
        expect(new Set(fields).size).toBe(fields.length);
      }),
      { numRuns: 300 },
    );
  });
});
