// People decide what no rule decides (DESIGN.md §4 Router): referrals without consent, or that
// no rule covers, are held for an operator, nothing about them leaves the hub, and an operator's
// share or close is recorded with their identity. Also the admin API's guard rails: bearer
// authentication, 422s that point at the offending field, and error bodies that never echo
// what was submitted. Every hub service runs in process over real PostgreSQL and Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureBody } from '@hub/testing';
import { eventually, startHubHarness, type HubHarness } from '../support/hub-harness.ts';

interface HeldItem {
  referralId: string;
  messageId: string;
  sourcePartnerId: string;
  sourceType: string;
  reasons: string[];
}

interface Problem {
  status: number;
  code: string;
  errors?: Array<{ pointer: string; code: string; message: string }>;
}

/** The school's request for early help (consent given in the fixture), routed to the family-support charity. */
const SCHOOL = 'st-marys-primary';
const FAMILY_SUPPORT = 'northside-community-trust';

function withConsentRefused(type: string): string {
  const body = JSON.parse(fixtureBody(type)) as { data: Record<string, unknown> };
  body.data.consent = { status: 'refused', capturedAt: '2026-11-23T15:20:00Z' };
  return JSON.stringify(body);
}

/** A voluntary-sector referral whose only need is one no demo sharing rule covers. */
const VCS = 'northside-community-trust';
function uncoveredReferral(): string {
  const body = JSON.parse(fixtureBody('vcs.referral.submitted')) as { data: { needs: string[] } };
  body.data.needs = ['substance-use'];
  return JSON.stringify(body);
}

describe('review holds and the admin API', () => {
  let h: HubHarness;

  beforeAll(async () => {
    h = await startHubHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Sends a message and waits until the router has decided on it. */
  async function routed(sender: string, body: string): Promise<{ id: string; status: string }> {
    const sent = await h.send(sender, body);
    expect(sent.status).toBe(202);
    return eventually(async () => (await h.sql<{ id: string; status: string }>('select id, status from referrals where message_id = $1', [sent.json.id]))[0], `the referral of ${String(sent.json.id)}`);
  }

  async function holds(): Promise<HeldItem[]> {
    const res = await h.admin('GET', '/admin/holds');
    expect(res.status).toBe(200);
    return res.json.holds as HeldItem[];
  }

  async function ledgerOf(referralId: string): Promise<Array<{ outcome: string; recipient_partner_id: string | null; decided_by_operator: string | null; decided_by_rule: string | null }>> {
    return h.sql('select outcome, recipient_partner_id, decided_by_operator, decided_by_rule from ledger where referral_id = $1 order by seq', [referralId]);
  }

  /** What the simulated partners received about a referral (payloads name it). */
  function receivedAbout(referralId: string): number {
    const webhook = h.sims.webhook.received.filter((d) => (d.body as { referralId?: unknown } | undefined)?.referralId === referralId).length;
    const email = h.sims.smtp.received.filter((m) => m.attachments.some((a) => a.content.toString('utf8').includes(referralId))).length;
    const fhir = h.sims.fhir.received.filter((b) => b.raw.toString('utf8').includes(referralId)).length;
    return webhook + email + fhir;
  }

  let refusedId: string;

  it('a referral whose consent was refused is held with a reason code, and nothing is sent or ledgered as disclosed', async () => {
    const referral = await routed(SCHOOL, withConsentRefused('education.early-help.requested'));
    refusedId = referral.id;
    expect(referral.status).toBe('held');

    const held = (await holds()).find((x) => x.referralId === referral.id);
    expect(held).toMatchObject({ sourcePartnerId: SCHOOL, sourceType: 'education.early-help.requested' });
    expect(held?.reasons).toContain('no-consent');

    // The rule's decision is recorded as not-share because of the refusal, by the rule.
    const decisions = await h.sql<{ recipient_partner_id: string; decision: string; rule_id: string | null; operator_id: string | null }>('select recipient_partner_id, decision, rule_id, operator_id from sharing_decisions where referral_id = $1', [referral.id]);
    expect(decisions).toContainEqual({ recipient_partner_id: FAMILY_SUPPORT, decision: 'not-share', rule_id: 'school-request-to-family-support', operator_id: null });
    expect(decisions.filter((d) => d.decision === 'share')).toEqual([]);
    expect(await h.sql('select id from deliveries where referral_id = $1', [referral.id])).toEqual([]);
    expect((await ledgerOf(referral.id)).filter((e) => e.outcome === 'disclosed')).toEqual([]);
    expect(receivedAbout(referral.id)).toBe(0);
  });

  it('an operator shares the held referral with a recipient they choose: delivered, and the decision carries the operator id', async () => {
    const res = await h.admin('POST', `/admin/holds/${refusedId}/share`, { recipients: [{ partnerId: FAMILY_SUPPORT, purpose: 'family-support' }], reason: 'Parent now agrees, confirmed by phone' });
    expect(res).toEqual({ status: 200, json: { status: 'shared', deliveries: 1 } });

    const delivery = await eventually(async () => {
      const rows = await h.sql<{ id: string; status: string; operator_id: string | null; rule_id: string | null; recipient_partner_id: string }>('select id, status, operator_id, rule_id, recipient_partner_id from deliveries where referral_id = $1', [refusedId]);
      return rows.length === 1 && rows[0]!.status === 'delivered' ? rows[0] : undefined;
    }, 'the operator-shared delivery to be delivered');
    expect(delivery).toMatchObject({ recipient_partner_id: FAMILY_SUPPORT, operator_id: 'demo-operator', rule_id: null });
    await h.sims.webhook.waitFor((received) => received.some((d) => d.webhookId === delivery.id && d.status === 200), 5_000);

    const operatorDecisions = await h.sql<{ recipient_partner_id: string; decision: string; operator_id: string | null }>('select recipient_partner_id, decision, operator_id from sharing_decisions where referral_id = $1 and operator_id is not null', [refusedId]);
    expect(operatorDecisions).toEqual([{ recipient_partner_id: FAMILY_SUPPORT, decision: 'share', operator_id: 'demo-operator' }]);
    expect(await h.sql('select resolution, resolved_by from review_holds where referral_id = $1', [refusedId])).toEqual([{ resolution: 'shared', resolved_by: 'demo-operator' }]);
    expect((await ledgerOf(refusedId)).filter((e) => e.outcome === 'disclosed')).toEqual([{ outcome: 'disclosed', recipient_partner_id: FAMILY_SUPPORT, decided_by_operator: 'demo-operator', decided_by_rule: null }]);
    expect((await holds()).map((x) => x.referralId)).not.toContain(refusedId);

    // A hold is resolved once: a second share finds nothing held.
    const again = await h.admin('POST', `/admin/holds/${refusedId}/share`, { recipients: [{ partnerId: FAMILY_SUPPORT, purpose: 'family-support' }], reason: 'pressed twice' });
    expect(again.status).toBe(404);
    expect(await h.sql('select id from deliveries where referral_id = $1', [refusedId])).toHaveLength(1);
  });

  it('an operator closes another held referral without sharing: resolution closed, nothing sent', async () => {
    const referral = await routed(SCHOOL, withConsentRefused('education.early-help.requested'));
    expect(referral.status).toBe('held');
    const res = await h.admin('POST', `/admin/holds/${referral.id}/close`, { reason: 'Family declined all support' });
    expect(res).toEqual({ status: 200, json: { status: 'closed' } });

    expect(await h.sql('select resolution, resolved_by from review_holds where referral_id = $1', [referral.id])).toEqual([{ resolution: 'closed', resolved_by: 'demo-operator' }]);
    expect((await h.sql<{ status: string }>('select status from referrals where id = $1', [referral.id]))[0]?.status).toBe('closed');
    expect(await h.sql('select id from deliveries where referral_id = $1', [referral.id])).toEqual([]);
    expect(await h.sql('select decision from sharing_decisions where referral_id = $1 and operator_id = $2', [referral.id, 'demo-operator'])).toEqual([{ decision: 'not-share' }]);
    expect((await ledgerOf(referral.id)).filter((e) => e.outcome === 'disclosed')).toEqual([]);
    expect((await holds()).map((x) => x.referralId)).not.toContain(referral.id);
    expect(receivedAbout(referral.id)).toBe(0);
    // Closed is final: it cannot be shared afterwards.
    expect((await h.admin('POST', `/admin/holds/${referral.id}/share`, { recipients: [{ partnerId: FAMILY_SUPPORT, purpose: 'family-support' }], reason: 'changed my mind' })).status).toBe(404);
  });

  it('a referral no rule covers is held with no-rule', async () => {
    const referral = await routed(VCS, uncoveredReferral());
    expect(referral.status).toBe('held');
    const held = (await holds()).find((x) => x.referralId === referral.id);
    expect(held?.reasons).toEqual(['no-rule']);
    expect(await h.sql('select id from deliveries where referral_id = $1', [referral.id])).toEqual([]);
    expect(receivedAbout(referral.id)).toBe(0);
  });

  it('sharing with a recipient that has no agreement is a 422 naming /recipients/<index>, and changes nothing', async () => {
    const referral = await routed(VCS, uncoveredReferral());
    // gm-probation is a known partner, but has no delivery channel and no agreement.
    const res = await h.admin('POST', `/admin/holds/${referral.id}/share`, { recipients: [{ partnerId: 'gm-probation' }], reason: 'operator thinks probation should know' });
    expect(res.status).toBe(422);
    const body = res.json as unknown as Problem;
    expect(body.code).toBe('HUB_ERR_VALIDATION');
    expect(body.errors).toEqual([expect.objectContaining({ pointer: '/recipients/0', code: 'recipient.no-agreement' })]);
    // The index is the offending recipient's, not always the first.
    const second = await h.admin('POST', `/admin/holds/${referral.id}/share`, { recipients: [{ partnerId: 'citizens-advice-manchester', purpose: 'financial-advice' }, { partnerId: 'gm-probation' }], reason: 'two recipients' });
    expect(second.status).toBe(422);
    expect((second.json as unknown as Problem).errors?.[0]?.pointer).toBe('/recipients/1');

    expect(await h.sql('select resolution from review_holds where referral_id = $1', [referral.id])).toEqual([{ resolution: null }]);
    expect(await h.sql('select id from deliveries where referral_id = $1', [referral.id])).toEqual([]);
    expect((await holds()).map((x) => x.referralId)).toContain(referral.id);
  });

  it('every admin route refuses a call without a valid operator token (401), before looking at anything', async () => {
    const calls: Array<{ method: 'GET' | 'POST'; url: string; payload?: object }> = [
      { method: 'GET', url: '/admin/holds' },
      { method: 'POST', url: `/admin/holds/${refusedId}/share`, payload: { recipients: [{ partnerId: FAMILY_SUPPORT }], reason: 'no token' } },
      { method: 'GET', url: '/admin/dead-letters' },
      { method: 'POST', url: '/admin/partners/northside-academy/enable', payload: { reason: 'no token' } },
      { method: 'GET', url: `/admin/ledger?referralId=${refusedId}` },
      { method: 'POST', url: '/admin/ledger/verify' },
    ];
    for (const call of calls) {
      for (const authorization of [undefined, 'Bearer not-the-token', 'demo-operator-token', 'Basic ZGVtbzpkZW1v']) {
        const res = await h.hub.console.app.inject({
          method: call.method,
          url: call.url,
          headers: { ...(authorization ? { authorization } : {}), ...(call.payload ? { 'content-type': 'application/json' } : {}) },
          ...(call.payload ? { payload: JSON.stringify(call.payload) } : {}),
        });
        expect(res.statusCode, `${call.method} ${call.url} with ${authorization ?? 'no authorization'}`).toBe(401);
        expect(res.json()).toMatchObject({ code: 'HUB_ERR_UNAUTHENTICATED', status: 401 });
      }
    }
    // The unauthenticated share changed nothing.
    expect(await h.sql('select id from deliveries where referral_id = $1', [refusedId])).toHaveLength(1);
  });

  it('admin error bodies never contain a submitted value', async () => {
    const marker = 'Zanzibar-7319';
    const held = await routed(VCS, uncoveredReferral());
    const attempts: Array<{ method: 'GET' | 'POST'; url: string; payload?: object; status: number }> = [
      // Unknown recipient, named with the marker.
      { method: 'POST', url: `/admin/holds/${held.id}/share`, payload: { recipients: [{ partnerId: `${marker}-partner` }], reason: `because ${marker}` }, status: 422 },
      // Schema violations: a reason too long, a partner id too long, a bad uuid in the path and the body.
      { method: 'POST', url: `/admin/holds/${held.id}/share`, payload: { recipients: [{ partnerId: FAMILY_SUPPORT }], reason: `${marker} `.repeat(60) }, status: 422 },
      { method: 'POST', url: `/admin/holds/${held.id}/share`, payload: { recipients: [{ partnerId: `${marker}`.repeat(8) }], reason: 'too long an id' }, status: 422 },
      { method: 'POST', url: `/admin/holds/${marker}/close`, payload: { reason: 'bad id' }, status: 422 },
      { method: 'POST', url: '/admin/dead-letters/replay', payload: { deliveryIds: [marker], reason: `replay ${marker}` }, status: 422 },
      { method: 'GET', url: `/admin/ledger?referralId=${marker}`, status: 422 },
      { method: 'GET', url: `/admin/dead-letters?limit=${marker}`, status: 422 },
      // Unknown things.
      { method: 'POST', url: `/admin/partners/${marker}/enable`, payload: { reason: `enable ${marker}` }, status: 404 },
      { method: 'GET', url: `/admin/${marker}`, status: 404 },
    ];
    for (const a of attempts) {
      const res = await h.admin(a.method, a.url, a.payload);
      const text = JSON.stringify(res.json);
      expect(res.status, `${a.method} ${a.url}: ${text}`).toBe(a.status);
      expect(text, `${a.method} ${a.url}`).not.toContain(marker);
      expect(res.json).toHaveProperty('code');
    }
    // Nothing about the held family leaks into an error either.
    const unknownRecipient = await h.admin('POST', `/admin/holds/${held.id}/share`, { recipients: [{ partnerId: 'nobody' }], reason: 'check the body' });
    expect(JSON.stringify(unknownRecipient.json)).not.toMatch(/Abdi|Warsame|M12 5NZ/);
  });

  describe('dead letters through the admin API', () => {
    interface DeadLetterItem {
      deliveryId: string;
      recipientPartnerId: string;
      lastErrorCode: string;
      attempts: number;
      attemptHistory: Array<{ attempt: number; httpStatus: number | null; errorCode: string | null }>;
    }

    async function deadLetters(query = ''): Promise<{ total: number; items: DeadLetterItem[] }> {
      const res = await h.admin('GET', `/admin/dead-letters${query}`);
      expect(res.status).toBe(200);
      return res.json.deadLetters as { total: number; items: DeadLetterItem[] };
    }

    /** A jobcentre referral goes to the financial advice service only (webhook). */
    async function deadLetterFor(partnerId: string, status: number): Promise<string> {
      h.sims.webhook.script({ status }, `/partners/${partnerId}`);
      const referral = await routed('jobcentre-manchester-central', fixtureBody('dwp.jobcentre.referred'));
      return eventually(async () => {
        const [row] = await h.sql<{ id: string; status: string }>('select id, status from deliveries where referral_id = $1 and recipient_partner_id = $2', [referral.id, partnerId]);
        if (row && row.status !== 'pending' && row.status !== 'dead') throw new Error(`expected a dead letter, got ${row.status}`);
        return row?.status === 'dead' ? row.id : undefined;
      }, `a dead letter to ${partnerId}`);
    }

    it('lists a permanent failure with its attempt history, filtered by partner, until it is replayed', async () => {
      const partnerId = 'citizens-advice-manchester';
      const deliveryId = await deadLetterFor(partnerId, 403);

      const forPartner = await deadLetters(`?partnerId=${partnerId}`);
      expect(forPartner.total).toBe(1);
      expect(forPartner.items).toEqual([expect.objectContaining({ deliveryId, recipientPartnerId: partnerId, lastErrorCode: 'HTTP_403', attempts: 1 })]);
      expect(forPartner.items[0]!.attemptHistory).toEqual([expect.objectContaining({ attempt: 1, httpStatus: 403, errorCode: 'HTTP_403' })]);
      expect((await deadLetters('?partnerId=gmp')).items).toEqual([]);
      expect((await deadLetters()).items.map((i) => i.deliveryId)).toContain(deliveryId);
      // Nothing was disclosed, and nothing is decided about it until an operator acts.
      expect(await h.sql('select outcome from ledger where delivery_id = $1', [deliveryId])).toEqual([]);

      const replay = await h.admin('POST', '/admin/dead-letters/replay', { deliveryIds: [deliveryId], reason: 'partner fixed its allow-list' });
      expect(replay).toEqual({ status: 200, json: { replayed: 1 } });
      await eventually(async () => (await h.sql<{ status: string }>('select status from deliveries where id = $1', [deliveryId]))[0]?.status === 'delivered', 'the replayed dead letter to be delivered');
      expect((await deadLetters(`?partnerId=${partnerId}`)).total).toBe(0);
      expect(await h.sql('select outcome, decided_by_rule from ledger where delivery_id = $1', [deliveryId])).toEqual([{ outcome: 'disclosed', decided_by_rule: 'financial-need-to-advice' }]);
      // The partner saw one id for it, both times.
      expect(h.sims.webhook.received.filter((d) => d.webhookId === deliveryId).map((d) => d.status)).toEqual([403, 200]);
    });

    it('replaying what is not a dead letter changes nothing', async () => {
      // A delivery that went first time (one replayed earlier in this file has action rows already).
      const [delivered] = await h.sql<{ id: string }>("select d.id from deliveries d where d.status = 'delivered' and not exists (select 1 from delivery_actions a where a.delivery_id = d.id) order by d.created_at limit 1");
      expect(delivered).toBeDefined();
      const before = h.sims.webhook.received.length;
      const res = await h.admin('POST', '/admin/dead-letters/replay', { deliveryIds: [delivered!.id, '00000000-0000-4000-8000-000000000000'], reason: 'wrong ids' });
      expect(res).toEqual({ status: 200, json: { replayed: 0 } });
      expect(await h.sql('select id from delivery_actions where delivery_id = $1', [delivered!.id])).toEqual([]);
      expect(await h.sql('select outcome from ledger where delivery_id = $1', [delivered!.id])).toEqual([{ outcome: 'disclosed' }]);
      expect(h.sims.webhook.received.length).toBe(before);
    });

    it('closing a dead letter records who closed it and a not-disclosed ledger row, and it leaves the list', async () => {
      const deliveryId = await deadLetterFor('citizens-advice-manchester', 422);
      const res = await h.admin('POST', `/admin/dead-letters/${deliveryId}/close`, { reason: 'sent by secure post instead' });
      expect(res).toEqual({ status: 200, json: { status: 'closed' } });
      expect(await h.sql('select status from deliveries where id = $1', [deliveryId])).toEqual([{ status: 'closed' }]);
      expect(await h.sql('select action, operator_id, reason from delivery_actions where delivery_id = $1', [deliveryId])).toEqual([{ action: 'close', operator_id: 'demo-operator', reason: 'sent by secure post instead' }]);
      expect(await h.sql('select outcome, decided_by_operator from ledger where delivery_id = $1', [deliveryId])).toEqual([{ outcome: 'not-disclosed', decided_by_operator: 'demo-operator' }]);
      expect((await deadLetters()).items.map((i) => i.deliveryId)).not.toContain(deliveryId);
      // Closed is final: a replay finds nothing to reopen.
      expect(await h.admin('POST', '/admin/dead-letters/replay', { deliveryIds: [deliveryId], reason: 'too late' })).toEqual({ status: 200, json: { replayed: 0 } });
    });

    it('the ledger verifies', async () => {
      expect((await h.admin('POST', '/admin/ledger/verify')).json).toMatchObject({ ok: true });
    });
  });
});
