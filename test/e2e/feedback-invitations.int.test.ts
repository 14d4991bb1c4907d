import { createHash, randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_NOTIFY } from '@hub/config';
import { feedbackInvitationIdFor, referralIdFor } from '@hub/routing';
import { fixtureBody, scanRedisFor, type NotifyReceived } from '@hub/testing';
import { eventually, startHubHarness, type HubHarness } from '../support/hub-harness.ts';

// Issue 6 item 4: when a recipient closes a referral (`referral.closed`), the family is invited to
// give feedback after a delay, through Notify, with a single-use link — never when contact is
// unsafe, anyone on the referral restricted processing or objected, or the family opted out; and
// not if that changes between the closure and the due time. Through the real pipeline: gateway,
// router, outbox, BullMQ, the feedback worker and the Notify simulator.

const SENDER = 'family-web-form';
const DELAY_MS = 3_000;
const PERSONAL = ['Danielle', 'Ashworth', 'danielle.ashworth', '07700 900481', '07700900481', '447700900481', 'Fictional Terrace', 'Tyler', 'Maisie'];

/** A valid NHS number in the 999 test range, different for every referral (people are linked by it). */
function nhsNumber(): string {
  for (;;) {
    const digits = `999${String(randomInt(0, 1_000_000)).padStart(6, '0')}`;
    const sum = [...digits].reduce((acc, d, i) => acc + Number(d) * (10 - i), 0);
    const check = 11 - (sum % 11);
    if (check === 10) continue;
    return `${digits}${check === 11 ? 0 : check}`;
  }
}

interface SelfReferral {
  correlationId: string;
  people: { nhsNumber?: string; contact?: Record<string, unknown> }[];
}

function selfReferral(unsafe: boolean): string {
  const body = JSON.parse(fixtureBody('family.self-referral.submitted')) as { data: SelfReferral };
  body.data.correlationId = `webform-${randomUUID()}`;
  for (const p of body.data.people) p.nhsNumber = nhsNumber();
  if (unsafe) body.data.people[0]!.contact!.safeToContact = false;
  return JSON.stringify(body);
}

interface InvitationRow {
  invitation_id: string;
  decision: string;
  reason_code: string;
  channel: string | null;
  status: string;
  outcome_code: string | null;
  notification_id: string | null;
  attempts: number;
  decided_at: Date;
  due_at: Date;
  finished_at: Date | null;
  person_id: string | null;
  token_sha256: Buffer | null;
  token_expires_at: Date | null;
  service_type: string;
}

interface Case {
  unsafe: boolean;
  restricted: boolean;
  objected: boolean;
  optedOut: boolean;
}

const CASES: Case[] = [];
for (const unsafe of [false, true]) for (const restricted of [false, true]) for (const objected of [false, true]) for (const optedOut of [false, true]) CASES.push({ unsafe, restricted, objected, optedOut });
const label = (c: Case): string => `unsafe=${c.unsafe} restricted=${c.restricted} objected=${c.objected} opted-out=${c.optedOut}`;
const expectedCode = (c: Case): string | undefined => (c.unsafe ? 'CONTACT_UNSAFE' : c.restricted ? 'RESTRICTED' : c.objected ? 'OBJECTED' : c.optedOut ? 'OPTED_OUT' : undefined);

describe('feedback invitations to families when a recipient closes the referral', () => {
  let h: HubHarness;
  const tokens: string[] = [];

  beforeAll(async () => {
    h = await startHubHarness({ HUB_FEEDBACK_DELAY_MINUTES: String(DELAY_MS / 60_000) });
  });
  afterAll(async () => {
    await h?.close();
  });

  const invitationRow = async (invitationId: string): Promise<InvitationRow | undefined> =>
    (
      await h.sql<InvitationRow>(
        `SELECT invitation_id::text AS invitation_id, decision, reason_code, channel, status, outcome_code, notification_id::text AS notification_id, attempts,
                decided_at, due_at, finished_at, person_id::text AS person_id, token_sha256, token_expires_at, service_type
           FROM feedback_invitations WHERE invitation_id = $1`,
        [invitationId],
      )
    )[0];
  const finished = (invitationId: string): Promise<InvitationRow> =>
    eventually(async () => {
      const row = await invitationRow(invitationId);
      return row && row.status !== 'scheduled' ? row : undefined;
    }, `feedback invitation ${invitationId} to finish`);
  const sentFor = (reference: string): NotifyReceived[] => h.sims.notify.received.filter((r) => r.reference === reference);

  /** A routed self-referral: its id, the parent's and a child's hub person ids, and a delivery whose recipient may close it. */
  async function routedSelfReferral(unsafe: boolean): Promise<{ referralId: string; parent: string; child: string; deliveryId: string; recipient: string }> {
    const res = await h.send(SENDER, selfReferral(unsafe));
    expect(res.status).toBe(202);
    const referralId = referralIdFor(res.json.id as string);
    const deliveries = await eventually(async () => {
      const rows = await h.sql<{ id: string; recipient_partner_id: string }>("SELECT id::text AS id, recipient_partner_id FROM deliveries WHERE referral_id = $1 AND kind = 'referral' ORDER BY recipient_partner_id", [referralId]);
      return rows.length > 0 ? rows : undefined;
    }, `deliveries of ${referralId}`);
    const delivery = deliveries.find((d) => h.config.partners.get(d.recipient_partner_id)?.messageTypes.has('referral.closed'));
    if (!delivery) throw new Error('no recipient that can close the referral');
    const people = await h.sql<{ person_ref: string; person_id: string }>('SELECT person_ref, person_id::text AS person_id FROM referral_people WHERE referral_id = $1', [referralId]);
    const of = (ref: string): string => people.find((p) => p.person_ref === ref)?.person_id as string;
    return { referralId, parent: of('p1'), child: of('p2'), deliveryId: delivery.id, recipient: delivery.recipient_partner_id };
  }

  async function close(recipient: string, deliveryId: string): Promise<string> {
    const body = JSON.parse(fixtureBody('referral.closed')) as { data: { deliveryId: string; correlationId: string } };
    body.data.deliveryId = deliveryId;
    body.data.correlationId = `clo-${randomUUID()}`;
    const res = await h.send(recipient, JSON.stringify(body));
    expect(res.status).toBe(202);
    return res.json.id as string;
  }

  async function flag(c: Pick<Case, 'restricted' | 'objected' | 'optedOut'>, people: { parent: string; child: string }): Promise<void> {
    // Restriction on a child, objection and opt-out by the parent: anyone on the referral counts.
    if (c.restricted) await h.hub.store.setRestriction(people.child, { restricted: true, reason: 'Accuracy contested by the family', actor: 'dpo' });
    if (c.objected) await h.hub.store.setObjection(people.parent, { objected: true, reason: 'Objected by letter', actor: 'dpo' });
    if (c.optedOut) await h.hub.store.recordMessageOptOut({ personId: people.parent, source: 'console', recordedBy: 'operator', at: new Date() });
  }

  it.each(CASES.map((c) => [label(c), c] as const))('%s', async (_name, c) => {
    const routed = await routedSelfReferral(c.unsafe);
    await flag(c, routed);
    await close(routed.recipient, routed.deliveryId);
    const invitationId = feedbackInvitationIdFor(routed.deliveryId);
    const code = expectedCode(c);
    const serviceType = h.config.partners.get(routed.recipient)?.organisationType;

    if (code) {
      const row = await eventually(() => invitationRow(invitationId), 'the invitation decision');
      expect(row).toMatchObject({ decision: 'suppressed', status: 'suppressed', reason_code: code, channel: null, attempts: 0, person_id: null, token_sha256: null, service_type: serviceType });
      // No job was ever written for it, so nothing can be sent.
      expect(await h.sql("SELECT 1 FROM outbox WHERE job_name = 'family.feedback-invite' AND payload->>'invitationId' = $1", [invitationId])).toHaveLength(0);
      expect(sentFor(invitationId)).toHaveLength(0);
      return;
    }

    const row = await finished(invitationId);
    expect(row).toMatchObject({ decision: 'scheduled', reason_code: 'SMS', channel: 'sms', status: 'sent', outcome_code: 'SENT', attempts: 1, person_id: routed.parent, service_type: serviceType });
    expect(new Date(row.due_at).getTime() - new Date(row.decided_at).getTime()).toBe(DELAY_MS);
    const [message, ...more] = sentFor(invitationId);
    expect(more).toHaveLength(0);
    expect(message).toMatchObject({ type: 'sms', status: 201, templateId: DEMO_NOTIFY.feedbackSmsTemplateId, phoneNumber: '+447700900481', notificationId: row.notification_id });
    // Sent when due, not before.
    expect(message!.receivedAt.getTime()).toBeGreaterThanOrEqual(new Date(row.due_at).getTime());
    // First name, the link with the token in its fragment, the expiry date: nothing else.
    expect(Object.keys(message!.personalisation).sort()).toEqual(['expiry_date', 'first_name', 'link']);
    expect(message!.personalisation.first_name).toBe('Danielle');
    const link = String(message!.personalisation.link);
    const match = /^(.*)#token=([A-Za-z0-9_-]{43})$/.exec(link);
    expect(match?.[1]).toBe(h.config.settings.feedback.formUrl);
    const token = match![2]!;
    tokens.push(token, link);
    // Only the token's SHA-256 is stored, valid for 28 days from the send.
    expect(Buffer.from(row.token_sha256!).equals(createHash('sha256').update(token, 'utf8').digest())).toBe(true);
    const expires = new Date(row.token_expires_at!);
    expect(Math.abs(expires.getTime() - (new Date(row.finished_at!).getTime() + 28 * 24 * 3600_000))).toBeLessThan(60_000);
    expect(message!.personalisation.expiry_date).toBe(new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' }).format(expires));
    // The job carried the invitation id only.
    const jobs = await h.sql<{ payload: Record<string, string> }>("SELECT payload FROM outbox WHERE job_name = 'family.feedback-invite' AND payload->>'invitationId' = $1", [invitationId]);
    expect(jobs.map((j) => j.payload)).toEqual([{ invitationId }]);
  });

  const changes: [string, Pick<Case, 'restricted' | 'objected' | 'optedOut'>, string][] = [
    ['a child is restricted', { restricted: true, objected: false, optedOut: false }, 'RESTRICTED'],
    ['the parent objects', { restricted: false, objected: true, optedOut: false }, 'OBJECTED'],
    ['the family opts out', { restricted: false, objected: false, optedOut: true }, 'OPTED_OUT'],
  ];
  for (const [when, change, code] of changes) {
    it(`sends nothing when ${when} between the closure and the due time`, async () => {
      const routed = await routedSelfReferral(false);
      await close(routed.recipient, routed.deliveryId);
      const invitationId = feedbackInvitationIdFor(routed.deliveryId);
      const scheduled = await eventually(async () => {
        const row = await invitationRow(invitationId);
        return row?.decision === 'scheduled' ? row : undefined;
      }, 'the scheduled invitation');
      await flag(change, routed);
      // The change really came before the invitation was due.
      expect(Date.now()).toBeLessThan(new Date(scheduled.due_at).getTime());
      const row = await finished(invitationId);
      expect(row).toMatchObject({ decision: 'scheduled', status: 'failed', outcome_code: code, attempts: 0, token_sha256: null, notification_id: null });
      expect(new Date(row.finished_at!).getTime()).toBeGreaterThanOrEqual(new Date(row.due_at).getTime());
      expect(sentFor(invitationId)).toHaveLength(0);
    });
  }

  it('invites once however often the recipient closes the referral', async () => {
    const routed = await routedSelfReferral(false);
    await close(routed.recipient, routed.deliveryId);
    const invitationId = feedbackInvitationIdFor(routed.deliveryId);
    await finished(invitationId);
    // The recipient closes it again: routed (the delivery's feedback time moves on), nothing more sent.
    const again = await close(routed.recipient, routed.deliveryId);
    await eventually(async () => {
      const [row] = await h.sql<{ same: boolean }>('SELECT d.feedback_at = i.received_at AS same FROM deliveries d, inbound_messages i WHERE d.id = $1 AND i.message_id = $2', [routed.deliveryId, again]);
      return row?.same;
    }, 'the second closure to be routed');
    expect(await h.sql('SELECT 1 FROM feedback_invitations WHERE delivery_id = $1', [routed.deliveryId])).toHaveLength(1);
    expect(sentFor(invitationId).filter((r) => r.status === 201)).toHaveLength(1);
  });

  it('keeps tokens and personal data out of Redis and the logs; the table holds ids, codes and a digest', async () => {
    expect(tokens.length).toBeGreaterThan(0);
    const { findings, keysScanned } = await scanRedisFor(h.redis, `${h.prefix}:*`, [...PERSONAL, ...tokens]);
    expect(keysScanned).toBeGreaterThan(0);
    expect(findings).toEqual([]);
    const logs = h.logs.text();
    expect(logs).toContain('feedback invitation finished');
    for (const needle of [...PERSONAL, ...tokens]) expect(logs).not.toContain(needle);
    const table = JSON.stringify(await h.sql('SELECT * FROM feedback_invitations'));
    for (const needle of [...PERSONAL, ...tokens]) expect(table).not.toContain(needle);
  });
});
