import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NEED_CODES, SUPPORTING_FAMILIES_OUTCOMES } from '@hub/domain';
import { importDirectory } from './import-directory.ts';

const FIXTURE = fileURLToPath(new URL('../../../config/demo/directory.oruk.json', import.meta.url));
const demoFeed = (): { content: Record<string, unknown>[] } => JSON.parse(readFileSync(FIXTURE, 'utf8'));

describe('importDirectory: the demo ORUK feed', () => {
  const result = importDirectory(demoFeed());

  it('loads every service with no problems', () => {
    expect(result.problems).toEqual([]);
    expect(result.services.length).toBeGreaterThanOrEqual(30);
    expect(result.services.length).toBe(demoFeed().content.length);
  });

  it('covers the ten headline needs and employment', () => {
    const covered = new Set(result.services.flatMap((s) => s.needs));
    for (const outcome of SUPPORTING_FAMILIES_OUTCOMES) expect(covered).toContain(outcome.code);
    expect([...covered].sort()).toEqual([...NEED_CODES].sort());
  });

  it('keeps postcode districts, age bounds and contacts', () => {
    const districts = new Set(result.services.flatMap((s) => s.districts));
    expect(districts.size).toBeGreaterThanOrEqual(20);
    for (const d of districts) expect(d).toMatch(/^M\d{1,2}$/);
    const homework = result.services.find((s) => s.id === 'demo-svc-001');
    expect(homework).toMatchObject({
      name: 'Homework Club at Ardwick Library',
      organisation: { id: 'demo-org-01' },
      needs: ['education'],
      districts: ['M12'],
      locations: [{ postcode: 'M12 6AB', district: 'M12' }],
      eligibility: { minAge: 8, maxAge: 16 },
      contact: { phone: '0161 496 0100' },
    });
    expect(homework?.contact.email).toMatch(/@example\.org$/);
    const adults = result.services.find((s) => s.name === 'Adult Talking Therapies');
    expect(adults?.eligibility).toEqual({ minAge: 18 });
    const remote = result.services.find((s) => s.name === 'Housing Options Advice Line');
    expect(remote?.districts).toEqual([]);
  });

  it('accepts a bare array of services as well as an ORUK page', () => {
    const bare = importDirectory(demoFeed().content);
    expect(bare.services).toEqual(result.services);
  });
});

describe('importDirectory: a feed with broken records', () => {
  const SECRET = 'Jane Secret 07700 900123';

  function brokenFeed(): { content: unknown[] } {
    const feed: { content: unknown[] } = demoFeed();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- reaching into fixture records to break them
    const c = feed.content as any[];
    delete c[1].name; // schema.required
    c[2].service_at_locations[0].location.physical_addresses[0].postal_code = 'M1 1CC'; // postcode.format (C is never an inward letter)
    c[3].service_taxonomys[0].taxonomy.id = 'hub-need:not-a-need'; // unknown need
    c[4].eligibilitys[0].minimum_age = 17; // 17 > 4 (age range)
    c[5].service_taxonomys = [{ id: 'st-x', taxonomy: { id: 'esd:123', name: 'Other', vocabulary: 'esdServiceTypes' } }]; // no hub need
    c[6].id = c[0].id; // duplicate
    c[7].status = 'inactive';
    c[8].contacts[0].phones[0].number = SECRET; // phone.format
    feed.content.push(SECRET, null, { id: SECRET }); // not objects / id not a plain identifier
    return feed;
  }

  const result = importDirectory(brokenFeed());

  it('loads the good records', () => {
    const ids = result.services.map((s) => s.id);
    expect(ids).toContain('demo-svc-001');
    expect(ids).toContain('demo-svc-010');
    for (const bad of ['demo-svc-002', 'demo-svc-003', 'demo-svc-004', 'demo-svc-005', 'demo-svc-006', 'demo-svc-008', 'demo-svc-009']) expect(ids).not.toContain(bad);
    expect(ids.filter((id) => id === 'demo-svc-001')).toHaveLength(1);
    expect(result.services).toHaveLength(demoFeed().content.length - 8);
    expect(result.inactive).toBe(1);
  });

  it('reports each bad record by index, id and pointer', () => {
    const byIndex = (i: number) => result.problems.filter((p) => p.index === i).map(({ serviceId, pointer, code }) => ({ serviceId, pointer, code }));
    expect(byIndex(1)).toEqual([{ serviceId: 'demo-svc-002', pointer: '/content/1/name', code: 'schema.required' }]);
    expect(byIndex(2)).toEqual([{ serviceId: 'demo-svc-003', pointer: '/content/2/service_at_locations/0/location/physical_addresses/0/postal_code', code: 'postcode.format' }]);
    expect(byIndex(3)).toEqual([{ serviceId: 'demo-svc-004', pointer: '/content/3/service_taxonomys/0/taxonomy/id', code: 'directory.unknown-need' }]);
    expect(byIndex(4)).toEqual([{ serviceId: 'demo-svc-005', pointer: '/content/4/eligibilitys/0', code: 'directory.age-range' }]);
    expect(byIndex(5)).toEqual([{ serviceId: 'demo-svc-006', pointer: '/content/5/service_taxonomys', code: 'directory.no-need' }]);
    expect(byIndex(6)).toEqual([{ serviceId: 'demo-svc-001', pointer: '/content/6/id', code: 'directory.duplicate-id' }]);
    expect(byIndex(7)).toEqual([]);
    expect(byIndex(8)).toEqual([{ serviceId: 'demo-svc-009', pointer: '/content/8/contacts/0/phones/0/number', code: 'phone.format' }]);
    const n = demoFeed().content.length;
    expect(byIndex(n)).toEqual([{ serviceId: undefined, pointer: `/content/${n}`, code: 'schema.type' }]);
    expect(byIndex(n + 1)).toEqual([{ serviceId: undefined, pointer: `/content/${n + 1}`, code: 'schema.type' }]);
    expect(byIndex(n + 2).every((p) => p.serviceId === undefined)).toBe(true);
    expect(byIndex(n + 2).length).toBeGreaterThan(0);
    for (const p of result.problems) expect(p.message.length).toBeGreaterThan(0);
  });

  it('never echoes a value from the feed', () => {
    const text = JSON.stringify(result.problems);
    expect(text).not.toContain('Jane');
    expect(text).not.toContain('07700');
    expect(text).not.toContain('1CC');
  });

  it('reports a feed that is not a list of services as a whole-feed problem', () => {
    for (const feed of [null, 'text', 42, { services: [] }, { content: 'x' }]) {
      const r = importDirectory(feed);
      expect(r.services).toEqual([]);
      expect(r.problems).toEqual([expect.objectContaining({ index: null, pointer: '', code: 'directory.not-a-feed' })]);
    }
  });

  it('joins age bounds across eligibility entries and ignores entries without ages', () => {
    const feed = demoFeed();
    const service = feed.content[0] as Record<string, unknown>;
    service.eligibilitys = [
      { id: 'a', minimum_age: 5, maximum_age: 10 },
      { id: 'b', minimum_age: 3, maximum_age: 8 },
      { id: 'c', eligibility: 'Carers' },
    ];
    expect(importDirectory([service]).services[0]?.eligibility).toEqual({ minAge: 3, maxAge: 10 });
    service.eligibilitys = [{ id: 'a', minimum_age: 5 }, { id: 'b', minimum_age: 3, maximum_age: 8 }];
    expect(importDirectory([service]).services[0]?.eligibility).toEqual({ minAge: 3 });
  });
});
