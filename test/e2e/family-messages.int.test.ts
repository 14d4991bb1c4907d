// The referral page's "Messages to the family" section and the operator's opt-out (issue 6), end to
// end on real PostgreSQL and Redis: a self-referral's acknowledgement shows as status and codes
// only (no contact details, no names); feedback invitations likewise (never a token); an operator
// records with a reason that the family wants no more messages — stored for the adults, audited
// with ids only — and a viewer cannot.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referralIdFor } from '@hub/routing';
import { fixtureBody } from '@hub/testing';
import { consoleGet, consolePost, signIn, type ConsoleSession } from '../support/console-session.ts';
import { eventually, startHubHarness, type HubHarness } from '../support/hub-harness.ts';

const PERSONAL = ['Danielle', 'Ashworth', 'danielle.ashworth', '07700 900481', '07700900481', '447700900481', 'Fictional Terrace', 'Tyler', 'Maisie'];

function section(body: string): string {
  return /<section aria-labelledby="family-messages-h">[\s\S]*?<\/section>/.exec(body)?.[0] ?? '';
}

function text(body: string): string {
  return body.replace(/<[^>]+>/g, ' ').replace(/&#39;|&#x27;/g, "'").replace(/&amp;/g, '&').replace(/\s+/g, ' ');
}

describe('messages to the family on the referral page', () => {
  let h: HubHarness;
  let referralId: string;
  let parentId: string;
  let operator: ConsoleSession;
  let viewer: ConsoleSession;
  let admin: ConsoleSession;
  const token = randomBytes(32).toString('base64url');

  beforeAll(async () => {
    h = await startHubHarness();
    const body = JSON.parse(fixtureBody('family.self-referral.submitted')) as { data: { correlationId: string } };
    body.data.correlationId = `webform-${randomUUID()}`;
    const sent = await h.send('family-web-form', JSON.stringify(body));
    expect(sent.status).toBe(202);
    referralId = referralIdFor(sent.json.id as string);
    await eventually(async () => (await h.sql<{ status: string }>('SELECT status FROM family_acknowledgements WHERE referral_id = $1', [referralId]))[0]?.status === 'sent', 'the acknowledgement to be sent');
    const people = await h.sql<{ person_id: string; role: string }>('SELECT person_id::text AS person_id, role FROM referral_people WHERE referral_id = $1', [referralId]);
    parentId = people.find((p) => p.role === 'parent')?.person_id as string;
    expect(people.filter((p) => p.role === 'child')).toHaveLength(2);
    operator = await signIn(h.hub.console.app, 'operator');
    viewer = await signIn(h.hub.console.app, 'viewer');
    admin = await signIn(h.hub.console.app, 'admin');
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  it('shows the acknowledgement as status, reason and outcome codes and dates only, to every role', async () => {
    for (const s of [viewer, operator]) {
      const res = await consoleGet(h.hub.console.app, s, `/referrals/${referralId}`);
      expect(res.statusCode).toBe(200);
      const html = section(res.body);
      expect(html).toContain('Messages to the family');
      expect(html).toContain('data-acknowledgement-status="sent"');
      const plain = text(html);
      expect(plain).toMatch(/sent .*SMS To be sent by text message\. sms SENT 1/);
      expect(plain).toContain('No feedback invitation');
      expect(plain).toContain('may be sent');
      for (const p of PERSONAL) expect(html, p).not.toContain(p);
      // The Notify notification id is not shown either.
      const ack = await h.sql<{ notification_id: string }>('SELECT notification_id::text AS notification_id FROM family_acknowledgements WHERE referral_id = $1', [referralId]);
      expect(html).not.toContain(ack[0]?.notification_id as string);
    }
    const viewerPage = section((await consoleGet(h.hub.console.app, viewer, `/referrals/${referralId}`)).body);
    expect(viewerPage).not.toContain('/message-opt-out');
    expect(section((await consoleGet(h.hub.console.app, operator, `/referrals/${referralId}`)).body)).toContain(`action="/referrals/${referralId}/message-opt-out"`);
  });

  it('shows a feedback invitation by its codes and dates, never its token', async () => {
    // A delivery of this referral closed by its recipient, with an invitation sent (written as the invitation worker would).
    const [delivery] = await h.sql<{ id: string }>('SELECT id::text AS id FROM deliveries WHERE referral_id = $1 ORDER BY id LIMIT 1', [referralId]);
    expect(delivery).toBeDefined();
    const hash = (await import('node:crypto')).createHash('sha256').update(token).digest();
    await h.sql(
      `INSERT INTO feedback_invitations (invitation_id, referral_id, delivery_id, service_type, decision, reason_code, channel, status, outcome_code,
                                         decided_at, due_at, finished_at, person_id, token_sha256, token_expires_at)
       VALUES ($1, $2, $3, 'school', 'scheduled', 'SMS', 'sms', 'sent', 'SENT', now() - interval '8 days', now() - interval '1 day', now() - interval '1 day', $4, $5, now() + interval '27 days')`,
      [randomUUID(), referralId, delivery?.id, parentId, hash],
    );
    const html = section((await consoleGet(h.hub.console.app, viewer, `/referrals/${referralId}`)).body);
    expect(html).toContain('data-invitation-status="sent"');
    expect(text(html)).toMatch(/school sent SMS To be sent by text message\. sms .* SENT .* open until/);
    expect(html).not.toContain(token);
    expect(html).not.toContain(hash.toString('hex'));
    expect(html).not.toContain(hash.toString('base64'));

    // The family answering changes nothing on the page: feedback is never attributed to a family here.
    await h.sql('UPDATE feedback_invitations SET token_used_at = now() WHERE token_sha256 = $1', [hash]);
    const after = section((await consoleGet(h.hub.console.app, viewer, `/referrals/${referralId}`)).body);
    expect(text(after)).toMatch(/school sent SMS To be sent by text message\. sms .* SENT .* open until/);
    expect(text(after)).not.toMatch(/answered/i);
  });

  it('refuses a viewer, and an operator without a reason; nothing is recorded', async () => {
    const denied = await consolePost(h.hub.console.app, viewer, `/referrals/${referralId}/message-opt-out`, { reason: 'The family phoned to ask' });
    expect(denied.statusCode).toBe(403);
    const noReason = await consolePost(h.hub.console.app, operator, `/referrals/${referralId}/message-opt-out`, { reason: ' ' });
    expect(noReason.statusCode).toBe(422);
    expect(noReason.body).toContain('Reason: Enter a reason');
    expect(await h.sql('SELECT * FROM family_message_opt_outs')).toEqual([]);
    expect(await h.sql("SELECT * FROM audit_events WHERE action = 'family.opted-out'")).toEqual([]);
    expect((await consolePost(h.hub.console.app, operator, `/referrals/${randomUUID()}/message-opt-out`, { reason: 'The family phoned to ask' })).statusCode).toBe(404);
  });

  it('records the opt-out of the adults by an operator, audited with ids only, and shows it', async () => {
    const ok = await consolePost(h.hub.console.app, operator, `/referrals/${referralId}/message-opt-out`, { reason: 'Mum phoned: no more texts please' });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe(`/referrals/${referralId}?notice=opted-out&n=1`);
    const rows = await h.sql<{ person_id: string; source: string; recorded_by: string }>('SELECT person_id::text AS person_id, source, recorded_by FROM family_message_opt_outs');
    // The parent only: children are not written to.
    expect(rows).toEqual([{ person_id: parentId, source: 'console', recorded_by: 'operator' }]);
    const audit = await h.sql<{ actor: string; role: string; target_type: string; target_id: string; reason: string; outcome: string; details: Record<string, unknown> }>(
      "SELECT actor, role, target_type, target_id, reason, outcome, details FROM audit_events WHERE action = 'family.opted-out'",
    );
    expect(audit).toEqual([{ actor: 'operator', role: 'operator', target_type: 'referral', target_id: referralId, reason: 'Mum phoned: no more texts please', outcome: 'ok', details: { people: 1, newlyOptedOut: 1, personIds: parentId } }]);
    for (const p of PERSONAL) expect(JSON.stringify(audit[0]?.details), p).not.toContain(p);

    const page = await consoleGet(h.hub.console.app, viewer, `/referrals/${referralId}?notice=opted-out&n=1`);
    expect(text(page.body)).toContain('Recorded: the hub sends no more acknowledgements or feedback requests to 1 person on this referral.');
    const html = section(page.body);
    expect(text(html)).toMatch(/opted out \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(recorded by operator\)/);
    expect(text(html)).toContain('The family has opted out');
    expect(section((await consoleGet(h.hub.console.app, operator, `/referrals/${referralId}`)).body)).not.toContain('/message-opt-out');
  });

  it('keeps the first record when recorded again (an admin may record it too)', async () => {
    const again = await consolePost(h.hub.console.app, admin, `/referrals/${referralId}/message-opt-out`, { reason: 'Asked again by letter' });
    expect(again.statusCode).toBe(303);
    expect(again.headers.location).toBe(`/referrals/${referralId}?notice=opted-out&n=0`);
    expect(await h.sql('SELECT recorded_by FROM family_message_opt_outs')).toEqual([{ recorded_by: 'operator' }]);
    const audit = await h.sql<{ actor: string; details: Record<string, unknown> }>("SELECT actor, details FROM audit_events WHERE action = 'family.opted-out' ORDER BY at");
    expect(audit.map((a) => [a.actor, a.details.newlyOptedOut])).toEqual([
      ['operator', 1],
      ['admin', 0],
    ]);
  });
});
