// Shared by this package's integration tests: a migrated store in a throwaway schema on the real
// PostgreSQL, and routed referrals built through the store's public API.
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import type { RetentionConfig, RetentionRule } from '@hub/config';
import { randomSchemaName, testDatabaseUrl } from '@hub/testing';
import { createStore, type Store } from '@hub/store';

export interface TestStore {
  store: Store;
  schema: string;
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function openTestStore(): Promise<TestStore> {
  const schema = randomSchemaName('retention');
  const store = await createStore({ databaseUrl: testDatabaseUrl(), schema, keyring: { activeKeyId: 'k1', keys: { k1: randomBytes(32) } }, poolSize: 4 });
  await store.migrate();
  const pool = new pg.Pool({ connectionString: testDatabaseUrl(), max: 2 });
  return {
    store,
    schema,
    async sql<T>(text: string, params: unknown[] = []) {
      const client = await pool.connect();
      try {
        await client.query(`SET search_path TO ${schema}`);
        return (await client.query(text, params)).rows as T[];
      } finally {
        client.release();
      }
    },
    async close() {
      await store.close();
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.end();
    },
  };
}

export interface PersonSpec {
  role: string;
  dateOfBirth?: string;
  /** People with the same NHS number are linked (one hub person). */
  nhsNumber?: string;
}

export interface RoutedForTest {
  referralId: string;
  messageId: string;
  personIds: string[];
  deliveryIds: string[];
}

let sequence = 0;

/** Accepts a message and routes it as a referral with these people (and one pending delivery when `share`). */
export async function routeReferral(store: Store, spec: { receivedAt: Date; people: PersonSpec[]; sourceType?: string; share?: boolean }): Promise<RoutedForTest> {
  sequence += 1;
  const sourceType = spec.sourceType ?? 'family.self-referral.submitted';
  const body = Buffer.from(JSON.stringify({ type: sourceType, data: { n: sequence, r: randomBytes(4).toString('hex') } }));
  const accepted = await store.acceptInbound({
    partnerId: 'family-web-form',
    webhookId: `retention-${sequence}-${randomBytes(4).toString('hex')}`,
    type: sourceType,
    schemaId: `https://schemas.example/inbound/${sourceType}/v1.json`,
    receivedAt: spec.receivedAt,
    body,
    bodySha256: createHash('sha256').update(body).digest('hex'),
  });
  const people = spec.people.map((p, i) => ({ ...p, personRef: `p${i + 1}` }));
  const ids = await store.linkPeople(people.map((p) => ({ personRef: p.personRef, ...(p.nhsNumber ? { nhsNumber: p.nhsNumber } : {}) })));
  const referralId = randomUuid();
  const canonical = {
    referralId,
    people: people.map((p) => ({ personRef: p.personRef, role: p.role, givenName: 'Test', familyName: 'Person', ...(p.dateOfBirth ? { dateOfBirth: p.dateOfBirth } : {}) })),
  };
  const personIds = people.map((p) => ids.get(p.personRef) as string);
  const decisionId = randomUuid();
  const deliveryId = randomUuid();
  await store.saveRoutingOutcome({
    referral: {
      referralId,
      messageId: accepted.messageId,
      sourcePartnerId: 'family-web-form',
      sourceType,
      urgency: 'routine',
      receivedAt: spec.receivedAt,
      canonical: Buffer.from(JSON.stringify(canonical)),
      people: people.map((p, i) => ({ personRef: p.personRef, hubPersonId: personIds[i] as string, role: p.role })),
    },
    decisions: spec.share ? [{ decisionId, recipientPartnerId: 'school-1', decision: 'share', ruleId: 'rule-1', reason: 'rule matched', purpose: 'early-help', priority: 'routine' }] : [],
    deliveries: spec.share
      ? [
          {
            deliveryId,
            recipientPartnerId: 'school-1',
            decisionId,
            ruleId: 'rule-1',
            channel: 'webhook',
            priority: 'routine',
            purpose: 'early-help',
            lawfulBasis: { art6: 'public-task' },
            fields: ['/people/0/givenName'],
            subjects: personIds,
            payload: Buffer.from('{"payload":true}'),
          },
        ]
      : [],
  });
  return { referralId, messageId: accepted.messageId, personIds, deliveryIds: spec.share ? [deliveryId] : [] };
}

function randomUuid(): string {
  const b = randomBytes(16);
  b[6] = ((b[6] as number) & 0x0f) | 0x40;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const TEST_RULES: RetentionRule[] = [
  { id: 'youth-justice', class: 'referral', sourceTypes: ['justice.youth-justice.notified'], keep: { from: 'received', years: 6 }, description: 'Youth justice notifications: six years from receipt.' },
  { id: 'family-records', class: 'referral', keep: { from: 'youngest-child-birth', years: 25 }, fallback: { from: 'received', years: 25 }, description: "Until the youngest child's 25th birthday." },
  { id: 'unrouted-messages', class: 'inbound-message', keep: { from: 'received', years: 6 }, description: 'Six years from receipt.' },
  { id: 'family-feedback', class: 'family-feedback', keep: { from: 'submitted', years: 2 }, description: 'Two years from submission; the ratings stay.' },
  { id: 'disclosure-ledger', class: 'ledger', keep: { from: 'recorded', years: 26 }, description: 'Report only.' },
  { id: 'audit-trail', class: 'audit', keep: { from: 'recorded', years: 6 }, description: 'Report only.' },
];

export const TEST_CONFIG: RetentionConfig = {
  file: 'test',
  schedule: { enabled: false, cron: '30 2 * * *', timezone: 'Europe/London', action: 'erase' },
  rules: TEST_RULES,
};
