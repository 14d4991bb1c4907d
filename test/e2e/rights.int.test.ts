// Rectification (UK GDPR Art 16 + Art 19) and restriction / objection (Art 18, 21) end to end:
// every service in one process over real PostgreSQL and Redis, partners simulated by real local
// webhook, FHIR and SMTP servers, driven through the console as the DPO.
import { createHash } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverOnce } from '@hub/delivery';
import { deliverReferral } from '@hub/queues';
import { fixtureBody } from '@hub/testing';
import { consoleGet, consolePost, signIn, type ConsoleSession } from '../support/console-session.ts';
import { eventually, startHubHarness, type HubHarness } from '../support/hub-harness.ts';

interface DeliveryRow {
  id: string;
  recipient_partner_id: string;
  status: string;
  channel: string;
  kind: string;
}

const REASON = 'The family phoned the hub to correct this; confirmed by the lead practitioner.';

describe('data subject rights: rectification propagated to recipients, restriction and objection stop disclosures', () => {
  let h: HubHarness;
  let dpo: ConsoleSession;

  beforeAll(async () => {
    h = await startHubHarness();
    dpo = await signIn(h.hub.console.app, 'dpo');
  });
  afterAll(async () => {
    await h?.close();
  });

  async function referralOf(messageId: string): Promise<{ id: string; status: string }> {
    return eventually(async () => (await h.sql<{ id: string; status: string }>('select id, status from referrals where message_id = $1', [messageId]))[0], `referral for ${messageId}`);
  }

  async function send(partnerId: string, type: string): Promise<{ id: string; status: string }> {
    const sent = await h.send(partnerId, fixtureBody(type));
    expect(sent.status).toBe(202);
    return referralOf(sent.json.id as string);
  }

  /** The referral's own deliveries once none is pending. */
  async function settledDeliveries(referralId: string, kind = 'referral'): Promise<DeliveryRow[]> {
    return eventually(async () => {
      const rows = await h.sql<DeliveryRow>('select id, recipient_partner_id, status, channel, kind from deliveries where referral_id = $1 and kind = $2 order by recipient_partner_id', [referralId, kind]);
      return rows.length > 0 && rows.every((r) => r.status !== 'pending') ? rows : undefined;
    }, `${kind} deliveries of ${referralId} to settle`);
  }

  async function personOf(referralId: string, personRef: string): Promise<string> {
    const [row] = await h.sql<{ person_id: string }>('select person_id::text as person_id from referral_people where referral_id = $1 and person_ref = $2', [referralId, personRef]);
    if (!row) throw new Error(`no ${personRef} on ${referralId}`);
    return row.person_id;
  }

  async function rectify(personId: string, form: Record<string, string>): Promise<void> {
    const res = await consolePost(h.hub.console.app, dpo, `/rights/${personId}/rectify`, { reasonCategory: 'data-subject-request', reason: REASON, ...form });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
    expect(res.headers.location).toMatch(new RegExp(`^/rights/${personId}\\?notice=rectified`));
  }

  /** Holds a recipient's queue (jobs wait in Redis, no worker takes them) while `fn` drives deliveries by hand. */
  async function withQueuePaused(partnerId: string, fn: () => Promise<void>): Promise<void> {
    const queue = new Queue(deliverReferral.queue(partnerId), { connection: h.redis, prefix: h.prefix });
    await queue.pause();
    try {
      await fn();
    } finally {
      await queue.resume();
      await queue.close();
    }
  }

  function rectifiedWebhooks(): { partnerId: string | undefined; webhookId: string; body: Record<string, unknown> }[] {
    return h.sims.webhook.received
      .filter((d) => d.status >= 200 && d.status < 300 && (d.body as { type?: string } | undefined)?.type === 'referral.rectified')
      .map((d) => ({ partnerId: d.partnerId, webhookId: d.webhookId, body: d.body as Record<string, unknown> }));
  }

  it('sends a correction to exactly the recipients whose delivery carried the field, through their own webhooks, with one ledger row each', async () => {
    // A self-referral goes to three recipients by webhook: the child's school (the child only:
    // name and date of birth), the family-support charity (first names, the parent's contact) and
    // the financial advisor (the parent only).
    const referral = await send('family-web-form', 'family.self-referral.submitted');
    const originals = await settledDeliveries(referral.id);
    expect(originals.map((d) => [d.recipient_partner_id, d.status])).toEqual([
      ['citizens-advice-manchester', 'delivered'],
      ['northside-community-trust', 'delivered'],
      ['st-marys-primary', 'delivered'],
    ]);
    const child = await personOf(referral.id, 'p2');
    const ledgerBefore = await h.hub.store.queryLedger({ referralId: referral.id, limit: 100 });

    // The child's date of birth reached the school only.
    await rectify(child, { target: `${referral.id}|p2`, field: '/dateOfBirth', value: '2016-10-03' });
    const rectified = await settledDeliveries(referral.id, 'rectification');
    expect(rectified.map((d) => [d.recipient_partner_id, d.status, d.channel])).toEqual([['st-marys-primary', 'delivered', 'webhook']]);

    const school = originals.find((d) => d.recipient_partner_id === 'st-marys-primary') as DeliveryRow;
    const messages = rectifiedWebhooks();
    expect(messages).toHaveLength(1);
    const message = messages[0]!;
    expect(message.partnerId).toBe('st-marys-primary');
    expect(message.webhookId).toBe(rectified[0]!.id);
    expect(message.body).toMatchObject({
      type: 'referral.rectified',
      referralId: referral.id,
      deliveryId: rectified[0]!.id,
      rectifiesDeliveryId: school.id,
      recipient: 'st-marys-primary',
      purpose: 'rectification',
      reasonCategory: 'data-subject-request',
      lawfulBasis: { art6: 'public-task' },
      correction: { personRef: 'p2', field: '/dateOfBirth', pointer: '/people/0/dateOfBirth', value: '2016-10-03' },
    });
    // The typed reason never leaves the hub.
    expect(JSON.stringify(message.body)).not.toContain('phoned');

    const ledgerAfter = await h.hub.store.queryLedger({ referralId: referral.id, limit: 100 });
    const added = ledgerAfter.filter((e) => !ledgerBefore.some((b) => b.id === e.id));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({
      outcome: 'disclosed',
      deliveryId: rectified[0]!.id,
      recipientPartnerId: 'st-marys-primary',
      purpose: 'rectification',
      art6: 'public-task',
      subjects: [child],
      fields: ['/people/0/dateOfBirth'],
      decidedByOperator: 'dpo',
      channel: 'webhook',
    });
    const sent = h.sims.webhook.received.find((d) => d.webhookId === rectified[0]!.id)!;
    expect(added[0]!.payloadSha256).toBe(createHash('sha256').update(sent.raw).digest('hex'));

    // The canonical referral holds the corrected value (re-encrypted under its own key).
    const stored = await h.hub.store.readReferral(referral.id);
    const people = (JSON.parse(stored!.canonical.toString('utf8')) as { people: { personRef: string; dateOfBirth?: string }[] }).people;
    expect(people.find((p) => p.personRef === 'p2')?.dateOfBirth).toBe('2016-10-03');

    // The parent's phone reached the charity and the financial advisor, not the school.
    const parent = await personOf(referral.id, 'p1');
    await rectify(parent, { target: `${referral.id}|p1`, field: '/contact/phone', value: '07700 900999' });
    const both = await eventually(async () => {
      const rows = await settledDeliveries(referral.id, 'rectification');
      return rows.length === 3 ? rows : undefined;
    }, 'the phone correction to reach two recipients');
    const phoneRecipients = both.filter((d) => d.id !== rectified[0]!.id).map((d) => [d.recipient_partner_id, d.status]);
    expect(phoneRecipients).toEqual([
      ['citizens-advice-manchester', 'delivered'],
      ['northside-community-trust', 'delivered'],
    ]);
    const phoneMessages = rectifiedWebhooks().filter((m) => (m.body.correction as { field: string }).field === '/contact/phone');
    expect(phoneMessages.map((m) => m.partnerId).sort()).toEqual(['citizens-advice-manchester', 'northside-community-trust']);
    for (const m of phoneMessages) expect((m.body.correction as { value: string; pointer: string }).value).toBe('+447700900999');
    expect(rectifiedWebhooks().filter((m) => m.partnerId === 'st-marys-primary')).toHaveLength(1);

    // The propagation status is on the person's page and in the referral view; no value is.
    const page = await consoleGet(h.hub.console.app, dpo, `/rights/${parent}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('northside-community-trust');
    expect(page.body).toContain('<span class="tag delivered">delivered</span>');
    expect(page.body).not.toContain('900999');
    const view = await consoleGet(h.hub.console.app, dpo, `/referrals/${referral.id}`);
    expect(view.body).toContain('Rectifications');
    expect(view.body).toContain(rectified[0]!.id);

    // Every action is audited with ids only.
    const audit = await h.sql<{ action: string; target_id: string; reason: string | null; details: unknown }>("select action, target_id, reason, details from audit_events where action = 'rights.rectify'");
    expect(audit).toHaveLength(2);
    for (const row of audit) {
      expect(row.reason).toBeNull();
      expect(JSON.stringify(row.details)).not.toContain('900999');
    }
  });

  it('sends a correction by secure email and as a FHIR Communication to the recipients that hold the field', async () => {
    // A GP referral of an adult: the counselling service (email) and the health visitors (FHIR)
    // both received the adult's contact details.
    const referral = await send('ardwick-medical-practice', 'health.gp.referred');
    const originals = await settledDeliveries(referral.id);
    expect(originals.map((d) => [d.recipient_partner_id, d.channel, d.status])).toEqual([
      ['manchester-family-counselling', 'email', 'delivered'],
      ['mft-health-visiting', 'fhir', 'delivered'],
    ]);
    const adult = await personOf(referral.id, 'p1');
    await rectify(adult, { target: `${referral.id}|p1`, field: '/contact/email', value: 'new.address@example.org' });
    const rectified = await eventually(async () => {
      const rows = await settledDeliveries(referral.id, 'rectification');
      return rows.length === 2 ? rows : undefined;
    }, 'both corrections');
    expect(rectified.map((d) => [d.recipient_partner_id, d.status])).toEqual([
      ['manchester-family-counselling', 'delivered'],
      ['mft-health-visiting', 'delivered'],
    ]);

    const emailed = rectified[0]!;
    const mail = h.sims.smtp.received.find((m) => m.attachments.some((a) => a.filename === `rectification-${emailed.id}.json`));
    expect(mail?.subject).toBe(`Early Help referral ${referral.id}: correction`);
    expect(mail?.subject).not.toContain('example.org');
    expect(mail?.text).not.toContain('new.address');
    const attachment = JSON.parse(mail!.attachments.find((a) => a.filename === `rectification-${emailed.id}.json`)!.content.toString('utf8')) as Record<string, unknown>;
    expect(attachment).toMatchObject({ type: 'referral.rectified', deliveryId: emailed.id, correction: { field: '/contact/email', value: 'new.address@example.org' } });

    const fhir = rectified[1]!;
    const bundle = h.sims.fhir.received.find((b) => b.requestId === fhir.id);
    expect(bundle?.status).toBe(200);
    const entries = (bundle!.body as { entry: { resource: { resourceType: string; about?: { identifier: { value: string } }[] } }[] }).entry;
    expect(entries.map((e) => e.resource.resourceType)).toEqual(['Communication']);
    const hvOriginal = originals.find((d) => d.recipient_partner_id === 'mft-health-visiting')!;
    expect(entries[0]!.resource.about?.[0]?.identifier.value).toBe(hvOriginal.id);

    const ledger = await h.hub.store.queryLedger({ referralId: referral.id, limit: 100 });
    const corrections = ledger.filter((e) => e.purpose === 'rectification');
    expect(corrections.map((e) => [e.recipientPartnerId, e.channel, e.subjects]).sort()).toEqual([
      ['manchester-family-counselling', 'email', [adult]],
      ['mft-health-visiting', 'fhir', [adult]],
    ]);
  });

  it('waits to send a correction until the delivery it corrects has reached the recipient', async () => {
    await withQueuePaused('st-marys-primary', async () => {
      const referral = await send('family-web-form', 'family.self-referral.submitted');
      const school = await eventually(async () => (await h.sql<DeliveryRow>("select id, recipient_partner_id, status, channel, kind from deliveries where referral_id = $1 and recipient_partner_id = 'st-marys-primary'", [referral.id]))[0], 'the school delivery');
      await rectify(await personOf(referral.id, 'p2'), { target: `${referral.id}|p2`, field: '/givenName', value: 'Tyla' });
      const [correction] = await h.sql<{ id: string }>("select id from deliveries where referral_id = $1 and kind = 'rectification' and recipient_partner_id = 'st-marys-primary'", [referral.id]);
      const sends: string[] = [];
      const deps = {
        store: h.hub.store,
        send: async (input: { deliveryId: string; kind: string }) => {
          sends.push(`${input.kind}:${input.deliveryId}`);
          return { kind: 'delivered' as const, status: 200 };
        },
        retryScheduleMs: [0],
        disabledRecheckMs: 1000,
      };
      expect(await deliverOnce(deps, correction!.id)).toMatchObject({ kind: 'delay', spendsAttempt: false, reason: 'awaiting-original-delivery' });
      expect(sends).toEqual([]);
      expect(await deliverOnce(deps, school.id)).toEqual({ kind: 'done', outcome: 'delivered' });
      expect(await deliverOnce(deps, correction!.id)).toEqual({ kind: 'done', outcome: 'delivered' });
      expect(sends).toEqual([`referral:${school.id}`, `rectification:${correction!.id}`]);
    });
  });

  it('restriction blocks a disclosure that would otherwise happen; an override with a reason lets it through, recorded', async () => {
    const first = await send('family-web-form', 'family.self-referral.submitted');
    expect((await settledDeliveries(first.id)).every((d) => d.status === 'delivered')).toBe(true);
    const child = await personOf(first.id, 'p2');

    const missing = await consolePost(h.hub.console.app, dpo, `/rights/${child}/restriction`, { set: 'true', reason: 'too short' });
    expect(missing.statusCode).toBe(422);
    const restricted = await consolePost(h.hub.console.app, dpo, `/rights/${child}/restriction`, { set: 'true', reason: 'The family asked us to stop while they dispute the referral.' });
    expect(restricted.statusCode).toBe(303);
    expect((await h.hub.store.personRights([child])).get(child)).toEqual({ restricted: true, objected: false });

    // The same referral again (the child is linked by NHS number): nothing is disclosed.
    const blocked = await send('family-web-form', 'family.self-referral.submitted');
    const blockedReferral = await eventually(async () => (await h.sql<{ status: string }>('select status from referrals where id = $1', [blocked.id]))[0], 'the blocked referral');
    expect(blockedReferral.status).toBe('held');
    expect(await h.sql('select id from deliveries where referral_id = $1', [blocked.id])).toEqual([]);
    const decisions = await h.sql<{ decision: string; recipient_partner_id: string; reason: string }>('select decision, recipient_partner_id, reason from sharing_decisions where referral_id = $1 order by recipient_partner_id', [blocked.id]);
    expect(decisions.map((d) => [d.recipient_partner_id, d.decision])).toEqual([
      ['citizens-advice-manchester', 'not-share'],
      ['northside-community-trust', 'not-share'],
      ['st-marys-primary', 'not-share'],
    ]);
    for (const d of decisions) expect(d.reason).toMatch(/^subject-restricted: /);
    const notDisclosed = await h.hub.store.queryLedger({ referralId: blocked.id, limit: 100 });
    expect(notDisclosed.map((e) => [e.recipientPartnerId, e.outcome]).sort()).toEqual([
      ['citizens-advice-manchester', 'not-disclosed'],
      ['northside-community-trust', 'not-disclosed'],
      ['st-marys-primary', 'not-disclosed'],
    ]);
    expect((await h.sql<{ reasons: string[] }>('select reasons from review_holds where referral_id = $1', [blocked.id]))[0]?.reasons).toContain('subject-restricted');

    // The hold path respects it too: an operator's share is recorded as not shared, the hold stays.
    const tryShare = await h.admin('POST', `/admin/holds/${blocked.id}/share`, { recipients: [{ partnerId: 'st-marys-primary', purpose: 'early-help-support' }], reason: 'Operator wants the school to know' });
    expect(tryShare.json).toEqual({ status: 'restricted', deliveries: 0 });
    expect(await h.sql('select id from deliveries where referral_id = $1', [blocked.id])).toEqual([]);
    expect((await h.hub.store.listHolds()).map((x) => x.referralId)).toContain(blocked.id);
    expect((await h.hub.store.queryLedger({ referralId: blocked.id, limit: 100 })).filter((e) => e.decidedByOperator)).toHaveLength(1);
    expect(h.sims.webhook.received.filter((d) => (d.body as { referralId?: string } | undefined)?.referralId === blocked.id)).toEqual([]);

    // A safeguarding override, with a reason: the next referral is disclosed, and the decision says why.
    const noReason = await consolePost(h.hub.console.app, dpo, `/rights/${child}/override`, { set: 'true', reason: '' });
    expect(noReason.statusCode).toBe(422);
    const override = await consolePost(h.hub.console.app, dpo, `/rights/${child}/override`, { set: 'true', reason: 'MASH needs every referral about this child: risk of significant harm.' });
    expect(override.statusCode).toBe(303);
    const flags = (await h.hub.store.personRights([child])).get(child);
    expect(flags?.safeguardingOverride?.by).toBe('dpo');
    const history = await h.hub.store.rightsHistory(child, { includeReasons: true });
    expect(history[0]).toMatchObject({ action: 'override', actor: 'dpo', reason: 'MASH needs every referral about this child: risk of significant harm.' });

    const allowed = await send('family-web-form', 'family.self-referral.submitted');
    expect(allowed.status).toBe('routed');
    expect((await settledDeliveries(allowed.id)).map((d) => [d.recipient_partner_id, d.status])).toEqual([
      ['citizens-advice-manchester', 'delivered'],
      ['northside-community-trust', 'delivered'],
      ['st-marys-primary', 'delivered'],
    ]);
    const shared = await h.sql<{ reason: string }>("select reason from sharing_decisions where referral_id = $1 and decision = 'share'", [allowed.id]);
    expect(shared).toHaveLength(3);
    for (const d of shared) expect(d.reason).toContain(`safeguarding-override: shared although a person on the referral restricted processing or objected, under the safeguarding override recorded as ${flags?.safeguardingOverride?.historyId}`);

    // The held referral can now be shared by an operator, the decision recording the override.
    const nowShared = await h.admin('POST', `/admin/holds/${blocked.id}/share`, { recipients: [{ partnerId: 'st-marys-primary', purpose: 'early-help-support' }], reason: 'Shared under the safeguarding override' });
    expect(nowShared.json).toEqual({ status: 'shared', deliveries: 1 });
    expect((await settledDeliveries(blocked.id)).map((d) => d.status)).toEqual(['delivered']);

    // A delivery already queued is withheld once the override ends (a dead letter, never sent).
    await withQueuePaused('northside-community-trust', async () => {
      const queued = await send('family-web-form', 'family.self-referral.submitted');
      const pending = await eventually(async () => (await h.sql<DeliveryRow>("select id, recipient_partner_id, status, channel, kind from deliveries where referral_id = $1 and recipient_partner_id = 'northside-community-trust'", [queued.id]))[0], 'the queued delivery');
      const ended = await consolePost(h.hub.console.app, dpo, `/rights/${child}/override`, { set: 'false', reason: 'The risk has been assessed and has passed.' });
      expect(ended.statusCode).toBe(303);
      const sends: string[] = [];
      const step = await deliverOnce(
        { store: h.hub.store, send: async (input) => (sends.push(input.deliveryId), { kind: 'delivered' as const, status: 200 }), retryScheduleMs: [0], disabledRecheckMs: 1000 },
        pending.id,
      );
      expect(step).toEqual({ kind: 'done', outcome: 'withheld' });
      expect(sends).toEqual([]);
      expect(await h.sql('select status, last_error_code from deliveries where id = $1', [pending.id])).toEqual([{ status: 'dead', last_error_code: 'SUBJECT_RESTRICTED' }]);
    });
  });

  it('records an objection that personRights reports, audited with ids only', async () => {
    const referral = await send('jobcentre-manchester-central', 'dwp.jobcentre.referred');
    const adult = await personOf(referral.id, 'p1');
    expect((await h.hub.store.personRights([adult])).has(adult)).toBe(false);
    const res = await consolePost(h.hub.console.app, dpo, `/rights/${adult}/objection`, { set: 'true', reason: 'Objects to the council sharing her details with anyone.' });
    expect(res.statusCode).toBe(303);
    expect((await h.hub.store.personRights([adult])).get(adult)).toEqual({ restricted: false, objected: true });
    const page = await consoleGet(h.hub.console.app, dpo, `/rights/${adult}`);
    expect(page.body).toContain('objected');
    expect(page.body).not.toContain('Objects to the council');
    const audit = await h.sql<{ action: string; reason: string | null; target_id: string }>("select action, reason, target_id from audit_events where action like 'rights.objection%'");
    expect(audit).toEqual([{ action: 'rights.objection.set', reason: null, target_id: adult }]);

    // Viewers and admins cannot use the page.
    const viewer = await signIn(h.hub.console.app, 'viewer');
    expect((await consoleGet(h.hub.console.app, viewer, `/rights/${adult}`)).statusCode).toBe(403);
    expect((await consolePost(h.hub.console.app, viewer, `/rights/${adult}/objection`, { set: 'false', reason: 'Trying to withdraw as a viewer' })).statusCode).toBe(403);
    expect((await h.hub.store.personRights([adult])).get(adult)?.objected).toBe(true);
  });
});
