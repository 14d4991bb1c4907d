import { randomUUID } from 'node:crypto';
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
  people: { contact?: Record<string, unknown> }[];
  contact?: Record<string, unknown>;
  needs: string[];
}

function selfReferral(change?: (data: SelfReferral) => void): string {
  const body = JSON.parse(fixtureBody('family.self-referral.submitted')) as { data: SelfReferral & { correlationId: string } };
  body.data.correlationId = `webform-${randomUUID()}`;
  change?.(body.data);
  return JSON.stringify(body);
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
