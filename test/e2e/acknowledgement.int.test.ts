import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_NOTIFY } from '@hub/config';
import { acknowledgeOnce } from '@hub/delivery';
import { acknowledgementIdFor, referralIdFor, routeMessage } from '@hub/routing';
import { createNotifyClient } from '@hub/adapters';
import { fixtureBody, scanRedisFor, type NotifyReceived } from '@hub/testing';
import { eventually, startHubHarness, type HubHarness } from '../support/hub-harness.ts';

// Issue 6 item 3: a family who self-refers gets an acknowledgement through the Notify adapter,
// unless contact is marked unsafe — exactly once, with ids only in Redis and no personal data in logs.

const SENDER = 'family-web-form';
// Whole values only: a five-digit fragment like '07700' turns up by chance inside uuids in job keys.
const PERSONAL = ['Danielle', 'Ashworth', 'danielle.ashworth', '07700 900481', '07700900481', '447700900481', 'Fictional Terrace', 'Tyler', 'Maisie'];

interface SelfReferral {
  people: { nhsNumber?: string; contact?: Record<string, unknown> }[];
  contact?: Record<string, unknown>;
  needs: string[];
}

function selfReferral(change?: (data: SelfReferral) => void): string {
  const body = JSON.parse(fixtureBody('family.self-referral.submitted')) as { data: SelfReferral & { correlationId: string } };
  body.data.correlationId = `webform-${randomUUID()}`;
  change?.(body.data);
  return JSON.stringify(body);
}

/** A valid NHS number in the 999 test range, new each time (people are linked by it). */
function nhsNumber(): string {
  for (;;) {
    const digits = `999${String(randomInt(0, 1_000_000)).padStart(6, '0')}`;
    const sum = [...digits].reduce((acc, d, i) => acc + Number(d) * (10 - i), 0);
    const check = 11 - (sum % 11);
    if (check === 10) continue;
    return `${digits}${check === 11 ? 0 : check}`;
  }
}

interface AckRow {
  decision: string;
  reason_code: string;
  channel: string | null;
  status: string;
  outcome_code: string | null;
  notification_id: string | null;
  attempts: number;
}

describe('acknowledging families who self-refer', () => {
  let h: HubHarness;
  beforeAll(async () => {
    h = await startHubHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  async function submit(body: string): Promise<{ messageId: string; referralId: string; acknowledgementId: string }> {
    const res = await h.send(SENDER, body);
    expect(res.status).toBe(202);
    const messageId = res.json.id as string;
    const referralId = referralIdFor(messageId);
    return { messageId, referralId, acknowledgementId: acknowledgementIdFor(referralId) };
  }

  const ackRow = async (referralId: string): Promise<AckRow | undefined> => (await h.sql<AckRow>('SELECT decision, reason_code, channel, status, outcome_code, notification_id::text AS notification_id, attempts FROM family_acknowledgements WHERE referral_id = $1', [referralId]))[0];
  const finished = (referralId: string) => eventually(async () => {
    const row = await ackRow(referralId);
    return row && row.status !== 'queued' ? row : undefined;
  }, `acknowledgement of ${referralId} to finish`);
  const sentFor = (reference: string): NotifyReceived[] => h.sims.notify.sent().filter((r) => r.reference === reference);

  it('sends one SMS acknowledgement (preferred method: text) with the first name and the hub reference only', async () => {
    const { referralId, acknowledgementId } = await submit(selfReferral());
    const [message] = await h.sims.notify.waitFor((all) => all.some((r) => r.reference === acknowledgementId && r.status === 201), 20_000).then(() => sentFor(acknowledgementId));
    expect(message?.type).toBe('sms');
    expect(message?.templateId).toBe(DEMO_NOTIFY.acknowledgementSmsTemplateId);
    expect(message?.phoneNumber).toBe('+447700900481');
    // Only the first name, the hub's short reference and the (empty) approved links.
    expect(message?.personalisation).toEqual({ first_name: 'Danielle', reference: referralId.replace(/-/g, '').slice(0, 8).toUpperCase(), links: '' });
    const row = await finished(referralId);
    expect(row).toMatchObject({ decision: 'queued', reason_code: 'SMS', channel: 'sms', status: 'sent', outcome_code: 'SENT', attempts: 1 });
    expect(row.notification_id).toBe(message?.notificationId);
  });

  it('writes by email when that is the preferred method', async () => {
    const { referralId, acknowledgementId } = await submit(
      selfReferral((d) => {
        d.people[0]!.contact!.preferredMethod = 'email';
      }),
    );
    await h.sims.notify.waitFor((all) => all.some((r) => r.reference === acknowledgementId && r.status === 201), 20_000);
    const [message] = sentFor(acknowledgementId);
    expect(message).toMatchObject({ type: 'email', templateId: DEMO_NOTIFY.acknowledgementEmailTemplateId, emailAddress: 'danielle.ashworth@example.org' });
    expect(message?.personalisation.first_name).toBe('Danielle');
    expect((await finished(referralId)).channel).toBe('email');
  });

  const suppressed: [string, (d: SelfReferral) => void, string][] = [
    ['a person is not safe to contact', (d) => void (d.people[0]!.contact!.safeToContact = false), 'CONTACT_UNSAFE'],
    ['the family contact is not safe', (d) => void (d.contact!.safeToContact = false), 'CONTACT_UNSAFE'],
    ['domestic abuse is a need', (d) => void (d.needs = ['domestic-abuse']), 'CONTACT_UNSAFE'],
    [
      'there is no email or phone',
      (d) => {
        delete d.people[0]!.contact!.mobile;
        delete d.people[0]!.contact!.email;
        delete d.contact!.mobile;
      },
      'NO_CONTACT_DETAILS',
    ],
  ];
  for (const [when, change, reason] of suppressed) {
    it(`sends nothing and records the suppression when ${when}`, async () => {
      const { referralId, acknowledgementId } = await submit(selfReferral(change));
      const row = await eventually(() => ackRow(referralId), 'the acknowledgement decision');
      expect(row).toMatchObject({ decision: 'suppressed', reason_code: reason, channel: null, status: 'suppressed', attempts: 0 });
      // No job was ever written for it…
      expect(await h.sql("SELECT 1 FROM outbox WHERE job_name = 'family.acknowledge' AND payload->>'referralId' = $1", [referralId])).toHaveLength(0);
      // …and a safe referral submitted after it is acknowledged while this one never is.
      const barrier = await submit(selfReferral());
      await h.sims.notify.waitFor((all) => all.some((r) => r.reference === barrier.acknowledgementId && r.status === 201), 20_000);
      expect(h.sims.notify.received.filter((r) => r.reference === acknowledgementId)).toHaveLength(0);
    });
  }

  // Restriction, objection (UK GDPR Art 18, 21) and opt-out of people the hub knows before the
  // self-referral arrives: restriction on a child, objection and opt-out by the parent — with and
  // without contact marked unsafe, which wins over every other reason. Every combination.
  const rightsCases: { unsafe: boolean; restricted: boolean; objected: boolean; optedOut: boolean }[] = [];
  for (const unsafe of [false, true]) for (const restricted of [false, true]) for (const objected of [false, true]) for (const optedOut of [false, true]) rightsCases.push({ unsafe, restricted, objected, optedOut });
  for (const c of rightsCases) {
    const code = c.unsafe ? 'CONTACT_UNSAFE' : c.restricted ? 'RESTRICTED' : c.objected ? 'OBJECTED' : c.optedOut ? 'OPTED_OUT' : undefined;
    it(`unsafe=${c.unsafe} restricted=${c.restricted} objected=${c.objected} opted-out=${c.optedOut}: ${code ? `suppressed with ${code}` : 'acknowledged'}`, async () => {
      const numbers = [nhsNumber(), nhsNumber(), nhsNumber()];
      const ids = await h.hub.store.linkPeople([
        { personRef: 'p1', nhsNumber: numbers[0]! },
        { personRef: 'p2', nhsNumber: numbers[1]! },
      ]);
      const [parent, child] = [ids.get('p1') as string, ids.get('p2') as string];
      if (c.restricted) await h.hub.store.setRestriction(child, { restricted: true, reason: 'Accuracy contested by the family', actor: 'dpo' });
      if (c.objected) await h.hub.store.setObjection(parent, { objected: true, reason: 'Objected by letter', actor: 'dpo' });
      if (c.optedOut) await h.hub.store.recordMessageOptOut({ personId: parent, source: 'console', recordedBy: 'operator', at: new Date() });
      const { referralId, acknowledgementId } = await submit(
        selfReferral((d) => {
          d.people.forEach((p, i) => void (p.nhsNumber = numbers[i]));
          if (c.unsafe) d.people[0]!.contact!.safeToContact = false;
        }),
      );
      await eventually(() => ackRow(referralId), 'the acknowledgement decision');
      // The referral's people are the ones flagged beforehand (linked by NHS number).
      const people = await h.sql<{ person_id: string }>("SELECT person_id::text AS person_id FROM referral_people WHERE referral_id = $1 AND person_ref IN ('p1', 'p2') ORDER BY person_ref", [referralId]);
      expect(people.map((p) => p.person_id)).toEqual([parent, child]);
      if (!code) {
        const row = await finished(referralId);
        expect(row).toMatchObject({ decision: 'queued', status: 'sent', outcome_code: 'SENT' });
        expect(sentFor(acknowledgementId)).toHaveLength(1);
        return;
      }
      const row = await eventually(() => ackRow(referralId), 'the acknowledgement decision');
      expect(row).toMatchObject({ decision: 'suppressed', reason_code: code, channel: null, status: 'suppressed', attempts: 0 });
      expect(await h.sql("SELECT 1 FROM outbox WHERE job_name = 'family.acknowledge' AND payload->>'referralId' = $1", [referralId])).toHaveLength(0);
      expect(h.sims.notify.received.filter((r) => r.reference === acknowledgementId)).toHaveLength(0);
    });
  }

  it('suppresses for a restriction even under an active safeguarding override (that is for agencies, not letters to families)', async () => {
    const numbers = [nhsNumber(), nhsNumber(), nhsNumber()];
    const ids = await h.hub.store.linkPeople([{ personRef: 'p1', nhsNumber: numbers[0]! }]);
    const parent = ids.get('p1') as string;
    await h.hub.store.setRestriction(parent, { restricted: true, reason: 'Accuracy contested by the family', actor: 'dpo' });
    await h.hub.store.setSafeguardingOverride(parent, { reason: 'Child protection enquiry under way', actor: 'dpo' });
    const { referralId } = await submit(selfReferral((d) => d.people.forEach((p, i) => void (p.nhsNumber = numbers[i]))));
    const row = await eventually(() => ackRow(referralId), 'the acknowledgement decision');
    expect(row).toMatchObject({ decision: 'suppressed', reason_code: 'RESTRICTED', status: 'suppressed' });
  });

  it('sends once however often the referral is routed, the message resent or the job run again', async () => {
    const body = selfReferral();
    const webhookId = `msg_${randomUUID()}`;
    const first = await h.send(SENDER, body, webhookId);
    const messageId = first.json.id as string;
    const referralId = referralIdFor(messageId);
    const acknowledgementId = acknowledgementIdFor(referralId);
    await finished(referralId);
    // The partner resends the same message; the route job is replayed; the send step runs again.
    const resent = await h.send(SENDER, body, webhookId);
    expect(resent).toMatchObject({ status: 200, json: { id: messageId } });
    const again = await routeMessage({ store: h.hub.store, partners: h.config.partners, sharing: h.config.sharing, acknowledge: true }, messageId);
    expect(again.kind).toBe('already-routed');
    const notify = h.config.settings.notify!;
    const client = createNotifyClient({ baseUrl: notify.baseUrl, apiKey: notify.apiKey, timeoutMs: 5_000, allowHttp: true });
    const step = await acknowledgeOnce({ store: h.hub.store, client, notify, maxSends: 3 }, referralId);
    expect(step.kind).toBe('already-finished');
    const barrier = await submit(selfReferral());
    await finished(barrier.referralId);
    expect(sentFor(acknowledgementId)).toHaveLength(1);
    expect(await h.sql('SELECT 1 FROM family_acknowledgements WHERE referral_id = $1', [referralId])).toHaveLength(1);
  });

  it('retries when Notify is unavailable and records a permanent failure without retrying', async () => {
    h.sims.notify.script({ status: 500, times: 1 });
    const retried = await submit(selfReferral());
    const row = await finished(retried.referralId);
    expect(row).toMatchObject({ status: 'sent', attempts: 2 });
    expect(sentFor(retried.acknowledgementId)).toHaveLength(1);

    h.sims.notify.script({ status: 400, times: 1, body: { status_code: 400, errors: [{ error: 'BadRequestError', message: 'Can’t send to this recipient using a team-only API key' }] } });
    const refused = await submit(selfReferral());
    const failed = await finished(refused.referralId);
    expect(failed).toMatchObject({ status: 'failed', outcome_code: 'HTTP_400', attempts: 1, notification_id: null });
    expect(sentFor(refused.acknowledgementId)).toHaveLength(0);
  });

  it('keeps personal data out of Redis, the logs and the acknowledgement table', async () => {
    const { findings, keysScanned } = await scanRedisFor(h.redis, `${h.prefix}:*`, PERSONAL);
    expect(keysScanned).toBeGreaterThan(0);
    expect(findings).toEqual([]);
    const jobs = await h.sql<{ payload: Record<string, string> }>("SELECT payload FROM outbox WHERE job_name = 'family.acknowledge'");
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs) expect(Object.keys(job.payload)).toEqual(['referralId']);
    const logs = h.logs.text();
    expect(logs).toContain('acknowledgement finished');
    for (const needle of PERSONAL) expect(logs).not.toContain(needle);
    const table = JSON.stringify(await h.sql('SELECT * FROM family_acknowledgements'));
    for (const needle of PERSONAL) expect(table).not.toContain(needle);
  });
});

describe('acknowledgements held so that signposting links can be shared first (NOTIFY_ACK_HOLD_MINUTES)', () => {
  const HOLD_MS = 3_000;
  let h: HubHarness;
  beforeAll(async () => {
    h = await startHubHarness({ NOTIFY_ACK_HOLD_MINUTES: String(HOLD_MS / 60_000) });
  });
  afterAll(async () => {
    await h?.close();
  });

  async function decided(): Promise<{ referralId: string; acknowledgementId: string; decidedAt: Date; parent: string }> {
    const res = await h.send(SENDER, selfReferral((d) => d.people.forEach((p) => void (p.nhsNumber = nhsNumber()))));
    expect(res.status).toBe(202);
    const referralId = referralIdFor(res.json.id as string);
    const row = await eventually(async () => (await h.sql<{ decided_at: Date; status: string }>('SELECT decided_at, status FROM family_acknowledgements WHERE referral_id = $1', [referralId]))[0], 'the acknowledgement decision');
    expect(row.status).toBe('queued');
    const [parent] = await h.sql<{ person_id: string }>("SELECT person_id::text AS person_id FROM referral_people WHERE referral_id = $1 AND person_ref = 'p1'", [referralId]);
    return { referralId, acknowledgementId: acknowledgementIdFor(referralId), decidedAt: new Date(row.decided_at), parent: parent!.person_id };
  }
  const finishedRow = (referralId: string) =>
    eventually(async () => {
      const [row] = await h.sql<{ status: string; outcome_code: string | null; finished_at: Date | null; attempts: number }>('SELECT status, outcome_code, finished_at, attempts FROM family_acknowledgements WHERE referral_id = $1', [referralId]);
      return row && row.status !== 'queued' ? row : undefined;
    }, `acknowledgement of ${referralId} to finish`);

  it('carries the links an operator shared during the hold (those with a service URL), sent after the hold', async () => {
    const { referralId, acknowledgementId, decidedAt } = await decided();
    const at = new Date();
    await h.hub.store.recordSignpostShare({ referralId, serviceId: 'demo-svc-001', serviceName: 'Money advice drop-in', operatorId: 'operator', at, serviceUrl: 'https://example.org/services/money-advice' });
    await h.hub.store.recordSignpostShare({ referralId, serviceId: 'demo-svc-002', serviceName: 'Parenting group', operatorId: 'operator', at: new Date(at.getTime() + 1) });
    await h.hub.store.recordSignpostShare({ referralId, serviceId: 'demo-svc-003', serviceName: 'Homework club', operatorId: 'operator', at: new Date(at.getTime() + 2), serviceUrl: 'https://example.org/services/homework-club' });
    // The shares really came before the hold ended.
    expect(Date.now()).toBeLessThan(decidedAt.getTime() + HOLD_MS);
    const row = await finishedRow(referralId);
    expect(row).toMatchObject({ status: 'sent', outcome_code: 'SENT', attempts: 1 });
    const [message] = h.sims.notify.sent().filter((r) => r.reference === acknowledgementId);
    expect(message!.receivedAt.getTime()).toBeGreaterThanOrEqual(decidedAt.getTime() + HOLD_MS);
    expect(message!.personalisation.links).toBe('* Money advice drop-in: https://example.org/services/money-advice\n* Homework club: https://example.org/services/homework-club');
  });

  it('checks opt-out and restriction again at send time: a change during the hold means nothing is sent', async () => {
    for (const change of ['opt-out', 'restrict'] as const) {
      const { referralId, acknowledgementId, decidedAt, parent } = await decided();
      if (change === 'opt-out') await h.hub.store.recordMessageOptOut({ personId: parent, source: 'console', recordedBy: 'operator', at: new Date() });
      else await h.hub.store.setRestriction(parent, { restricted: true, reason: 'Accuracy contested by the family', actor: 'dpo' });
      expect(Date.now()).toBeLessThan(decidedAt.getTime() + HOLD_MS);
      const row = await finishedRow(referralId);
      expect(row).toMatchObject({ status: 'failed', outcome_code: change === 'opt-out' ? 'OPTED_OUT' : 'RESTRICTED', attempts: 1 });
      expect(h.sims.notify.received.filter((r) => r.reference === acknowledgementId)).toHaveLength(0);
    }
  });
});
