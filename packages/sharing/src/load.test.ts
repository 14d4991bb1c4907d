import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadSharingConfig } from './load.ts';
import { DEMO_CONFIG_DIR, demoPartners, partnerLookup } from './test-support/demo.ts';

type Doc = Record<string, unknown> & { rules?: Record<string, unknown>[]; agreements?: Record<string, unknown>[] };

const FILES = ['sharing-rules.yaml', 'agreements.yaml', 'school-calendar.yaml'] as const;

function demoDoc(name: (typeof FILES)[number]): Doc {
  return parseYaml(readFileSync(path.join(DEMO_CONFIG_DIR, name), 'utf8')) as Doc;
}

/** A copy of the demo sharing config with some files replaced (a string is written as is; null removes the file). */
function configDir(replace: Partial<Record<(typeof FILES)[number], Doc | string | null>> = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hub-sharing-'));
  for (const name of FILES) {
    const r = replace[name];
    if (r === null) continue;
    if (r === undefined) copyFileSync(path.join(DEMO_CONFIG_DIR, name), path.join(dir, name));
    else writeFileSync(path.join(dir, name), typeof r === 'string' ? r : stringifyYaml(r));
  }
  return dir;
}

function problemsFor(replace: Parameters<typeof configDir>[0], partners = demoPartners()): string[] {
  const problems: string[] = [];
  loadSharingConfig(configDir(replace), partners, problems);
  return problems;
}

function agreementsWith(change: (agreements: Record<string, unknown>[]) => void): Doc {
  const doc = demoDoc('agreements.yaml');
  change(doc.agreements as Record<string, unknown>[]);
  return doc;
}

function rulesWith(change: (rules: Record<string, unknown>[]) => void): Doc {
  const doc = demoDoc('sharing-rules.yaml');
  change(doc.rules as Record<string, unknown>[]);
  return doc;
}

const byId = (list: Record<string, unknown>[], id: string): Record<string, unknown> => {
  const found = list.find((x) => x.id === id);
  if (!found) throw new Error(`no ${id}`);
  return found;
};

describe('loadSharingConfig', () => {
  it('loads the demo rules, agreements and calendar with no problem', () => {
    const problems: string[] = [];
    const sharing = loadSharingConfig(DEMO_CONFIG_DIR, demoPartners(), problems);
    expect(problems).toEqual([]);
    expect(sharing.files).toEqual({ rules: true, agreements: true, calendar: true });
    expect(sharing.rules.length).toBeGreaterThanOrEqual(15);
    expect(sharing.agreements.get('st-marys-primary', 'operation-encompass')?.art10).toBe('dpa2018-sch1-para18');
    expect(sharing.agreements.get('st-marys-primary')).toBeUndefined(); // two purposes: the caller must say which
    expect(sharing.agreements.get('gmp')?.purpose).toBe('police-safeguarding');
    expect(sharing.agreements.byId('ardwick-medical-practice/health-support')?.recipientType).toBe('gp');
  });

  it('treats a folder with no sharing files as no rules (everything held), not as an error', () => {
    const problems: string[] = [];
    const sharing = loadSharingConfig(configDir({ 'sharing-rules.yaml': null, 'agreements.yaml': null, 'school-calendar.yaml': null }), demoPartners(), problems);
    expect(problems).toEqual([]);
    expect(sharing.rules).toEqual([]);
    expect(sharing.agreements.all()).toEqual([]);
    expect(sharing.files).toEqual({ rules: false, agreements: false, calendar: false });
  });

  it('lists an unknown field path', () => {
    const problems = problemsFor({ 'agreements.yaml': agreementsWith((a) => (byId(a, 'gmp/police-safeguarding').fields as string[]).push('people[role=child].shoeSize')) });
    expect(problems.join('\n')).toMatch(/agreements\.yaml \/agreements\/\d+\/fields\/\d+: field path "people\[role=child\]\.shoeSize" is not a field of the canonical referral/);
  });

  it('lists a special-category path without art9 and an offence path without art10', () => {
    const problems = problemsFor({
      'agreements.yaml': agreementsWith((a) => {
        (byId(a, 'one-city-homes/tenancy-sustainment').fields as string[]).push('people[role=parent].healthConditions');
        (byId(a, 'jobcentre-manchester-central/employment-support').fields as string[]).push('justice.order');
      }),
    });
    const text = problems.join('\n');
    expect(text).toMatch(/"people\[role=parent\]\.healthConditions" is special-category data \(health\) and the agreement has no art9 condition/);
    expect(text).toMatch(/"justice\.order" can include criminal-offence data and the agreement has no art10 basis/);
  });

  it('lists an agreement allowing more than the recipient type may ever receive', () => {
    const problems = problemsFor({
      'agreements.yaml': agreementsWith((a) => {
        const school = byId(a, 'st-marys-primary/early-help-support');
        school.fields = [...(school.fields as string[]), 'people[role=parent].givenName'];
        const vcs = byId(a, 'northside-community-trust/family-support');
        vcs.fields = [...(vcs.fields as string[]), 'people[role=parent].nhsNumber'];
      }),
    });
    const text = problems.join('\n');
    expect(text).toMatch(/\/fields: allows what the education outbound schema does not accept \(\/people\/\d+\/role: must be equal to one of the allowed values/);
    expect(text).toMatch(/allows what the voluntary-community outbound schema does not accept \(\/people\/\d+\/nhsNumber: must NOT have additional properties/);
  });

  it('lists a rule whose recipient has no agreement for its purpose, and unknown partners', () => {
    const problems = problemsFor({
      'agreements.yaml': agreementsWith((a) => {
        a.splice(a.indexOf(byId(a, 'gmp/police-safeguarding')), 1);
        a.splice(a.indexOf(byId(a, 'little-acorns-nursery/operation-encompass')), 1);
        a.push({ id: 'nobody/xx', recipient: 'no-such-partner', purpose: 'family-support', art6: 'public-task', fields: ['needs'] });
      }),
      'sharing-rules.yaml': rulesWith((r) => {
        r.push({ id: 'to-nowhere', description: 'x', covers: { needs: ['housing'] }, recipient: { partner: 'no-such-partner' }, purpose: 'family-support', priority: 'routine' });
      }),
    });
    const text = problems.join('\n');
    expect(text).toMatch(/sharing-rules\.yaml \/rules\/\d+\/recipient: partner "gmp" has no agreement for purpose "police-safeguarding"/);
    // A school-by-URN rule can pick any school with a URN, so each needs the agreement.
    expect(text).toMatch(/partner "little-acorns-nursery" has no agreement for purpose "operation-encompass"/);
    expect(text).toMatch(/\/rules\/\d+\/recipient\/partner: no partner "no-such-partner" in the partner registry/);
    expect(text).toMatch(/agreements\.yaml \/agreements\/\d+\/recipient: no partner "no-such-partner" in the partner registry/);
  });

  it('lists a recipient without a delivery channel, an ambiguous area and an unusable lookup', () => {
    const partners = demoPartners()
      .all()
      .map((p) => (p.id === 'victim-support-gm' ? { ...p, delivery: undefined } : p))
      .concat([{ id: 'second-hv', organisationType: 'health-visiting', identifiers: {}, areas: ['M14'], delivery: { channel: 'fhir' } }]);
    const problems = problemsFor(
      {
        'sharing-rules.yaml': rulesWith((r) => {
          r.push({ id: 'to-probation-by-area', description: 'x', covers: { needs: ['crime'] }, recipient: { by: 'area', organisationType: 'probation' }, purpose: 'x-purpose', priority: 'routine' });
        }),
      },
      partnerLookup(partners),
    );
    const text = problems.join('\n');
    expect(text).toMatch(/partner "victim-support-gm" can be picked by this rule but has no delivery channel/);
    expect(text).toMatch(/agreements\/\d+\/recipient: partner "victim-support-gm" has no delivery channel/);
    expect(text).toMatch(/area M14 is served by two health-visiting partners \("mft-health-visiting" and "second-hv"\)/);
    expect(text).toMatch(/partner "second-hv" has no agreement for purpose "health-visiting-support"/);
    expect(text).toMatch(/no partner can be found this way \(no probation partner lists areas\)/);
  });

  it('lists unknown message types, duplicate ids and a deadline with no calendar', () => {
    const problems = problemsFor({
      'school-calendar.yaml': null,
      'sharing-rules.yaml': rulesWith((r) => {
        (byId(r, 'housing-need-to-housing-provider').covers as Record<string, unknown>).messageTypes = ['housing.tenancy-risk.notifed'];
        r.push({ ...byId(r, 'step-down-to-vcs') });
      }),
      'agreements.yaml': agreementsWith((a) => a.push({ ...byId(a, 'gmp/police-safeguarding') })),
    });
    const text = problems.join('\n');
    expect(text).toMatch(/covers\/messageTypes\/0: "housing\.tenancy-risk\.notifed" is not a referral message type/);
    expect(text).toMatch(/rule id "step-down-to-vcs" appears more than once/);
    expect(text).toMatch(/agreement id "gmp\/police-safeguarding" appears more than once/);
    expect(text).toMatch(/a second agreement for recipient "gmp" and purpose "police-safeguarding"/);
    expect(text).toMatch(/\/deadline: next-school-day needs .*school-calendar\.yaml/);
  });

  it('lists schema problems with their place', () => {
    const problems = problemsFor({
      'sharing-rules.yaml': 'rules:\n  - id: Bad Id\n    covers: {}\n    recipient: { by: telepathy }\n    purpose: x\n    priority: soon\n',
      'agreements.yaml': 'agreements: [ { id: a, recipient: gmp } ',
      'school-calendar.yaml': 'timeZone: Europe/London\nschoolDayStart: "8.30"\nholidays: []\n',
    });
    const text = problems.join('\n');
    expect(text).toMatch(/sharing-rules\.yaml \/rules\/0\/id: must match pattern/);
    expect(text).toMatch(/sharing-rules\.yaml \/rules\/0: must have required property 'description'/);
    expect(text).toMatch(/sharing-rules\.yaml \/rules\/0\/covers: must NOT have fewer than 1 properties/);
    expect(text).toMatch(/sharing-rules\.yaml \/rules\/0\/priority: must be equal to one of the allowed values/);
    expect(text).toMatch(/agreements\.yaml: not valid YAML/);
    // An unreadable agreements file is one problem, not one per rule.
    expect(text).not.toMatch(/has no agreement for purpose/);
    expect(text).toMatch(/school-calendar\.yaml \/schoolDayStart: must match pattern/);
  });

  it('reports a broken agreements file once, not once per rule', () => {
    const problems = problemsFor({ 'agreements.yaml': 'agreements:\n  - { id: only-one, recipient: gmp }\n' });
    expect(problems.join('\n')).toMatch(/agreements\.yaml \/agreements\/0: must have required property 'purpose'/);
    expect(problems.join('\n')).not.toMatch(/has no agreement for purpose/);
  });

  it('skips partner references when told the registry did not load', () => {
    const problems: string[] = [];
    loadSharingConfig(DEMO_CONFIG_DIR, partnerLookup([]), problems, { checkPartners: false });
    expect(problems).toEqual([]);
    loadSharingConfig(DEMO_CONFIG_DIR, partnerLookup([]), problems);
    expect(problems.length).toBeGreaterThan(10);
  });
});
