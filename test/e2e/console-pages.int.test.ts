// The console's pages (issue 4) over real data: every service in one process on real PostgreSQL
// and Redis, referrals sent through the gateway, routed, delivered to the simulated partners,
// held and dead-lettered. Checks the figures each page shows, that personal data is masked until
// a stated reason is recorded in the audit trail, and that the operators' forms do what they say.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubQueueNames } from '@hub/queues';
import { fixtureBody } from '@hub/testing';
import type { ConsoleDeps, ConsoleRole } from '../../services/console/src/web/context.ts';
import { pageRoutes } from '../../services/console/src/web/pages/index.ts';
import { consoleGet, consolePost, signIn, type ConsoleSession } from '../support/console-session.ts';
import { eventually, startHubHarness, type HubHarness } from '../support/hub-harness.ts';

const JOBCENTRE = 'jobcentre-manchester-central';
const ADVICE = 'citizens-advice-manchester';
const SCHOOL = 'st-marys-primary';
const FAMILY_SUPPORT = 'northside-community-trust';
const YJS = 'manchester-yjs';
const ACADEMY = 'northside-academy';

/** The demo accounts (config/console-accounts.demo.yaml): one per role, named after it. */
const USERS: Record<ConsoleRole, string> = { viewer: 'viewer', operator: 'operator', dpo: 'dpo', admin: 'admin' };

interface Page {
  status: number;
  body: string;
  headers: Record<string, string | string[] | number | undefined>;
}

/** Strings of the sent fixture that are personal: none of them may reach a page unrevealed. */
function canariesOf(body: string): string[] {
  const personal = /^(givenName|familyName|dateOfBirth|mobile|phone|email|line1|line2|postcode|goal|description|reason|voiceOfChild|summary|upn|nhsNumber|name)$/;
  const found = new Set<string>();
  const walk = (value: unknown, key: string, parent: string): void => {
    if (typeof value === 'string') {
      if (personal.test(key) && !/^(organisation|school)$/.test(parent)) found.add(value);
      return;
    }
    if (Array.isArray(value)) value.forEach((v) => walk(v, key, parent));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k, key);
  };
  walk((JSON.parse(body) as { data: unknown }).data, '', '');
  for (const value of [...found]) {
    // Phone numbers are stored in E.164.
    if (/^0\d[\d ]+$/.test(value)) found.add(`+44${value.replace(/\s/g, '').slice(1)}`);
  }
  return [...found];
}

function withConsentRefused(type: string): string {
  const body = JSON.parse(fixtureBody(type)) as { data: Record<string, unknown> };
  body.data.consent = { status: 'refused', capturedAt: '2026-11-23T15:20:00Z' };
  return JSON.stringify(body);
}

function uncoveredReferral(): string {
  const body = JSON.parse(fixtureBody('vcs.referral.submitted')) as { data: { needs: string[] } };
  body.data.needs = ['substance-use'];
  return JSON.stringify(body);
}

function youthJusticeNoticeFor(urn: string): string {
  const body = JSON.parse(fixtureBody('justice.youth-justice.notified')) as { data: { youngPerson: { schoolUrn: string } } };
  body.data.youngPerson.schoolUrn = urn;
  return JSON.stringify(body);
}

/** Valid-ish HTML: a language, one h1, and a label for every form control. */
function expectAccessible(page: Page, what: string): void {
  expect(page.headers['content-type'], what).toBe('text/html; charset=utf-8');
  expect(page.body, what).toMatch(/<html lang="en-GB">/);
  expect(page.body.match(/<h1[\s>]/g)?.length, `${what}: one h1`).toBe(1);
  const labelled = new Set([...page.body.matchAll(/<label for="([^"]+)"/g)].map((m) => m[1]));
  for (const control of page.body.matchAll(/<(input|select|textarea)\b([^>]*)>/g)) {
    const attrs = control[2] as string;
    if (/type="(hidden|submit)"/.test(attrs)) continue;
    const id = /\bid="([^"]+)"/.exec(attrs)?.[1];
    expect(id && labelled.has(id), `${what}: a label for <${control[1]}${attrs}>`).toBe(true);
  }
  // Every form that changes something carries the session's CSRF token.
  for (const form of page.body.split('<form').slice(1)) {
    if (/^[^>]*method="post"/.test(form)) expect(form.slice(0, form.indexOf('</form>')), `${what}: a CSRF field`).toMatch(/<input type="hidden" name="_csrf" value="[^"]+">/);
  }
  const ids = [...page.body.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
  expect(new Set(ids).size, `${what}: ids are unique`).toBe(ids.length);
  expect(page.body, what).not.toMatch(/undefined|\[object Object\]|NaN/);
}

/** The number on an overview card. */
function card(body: string, label: string): number {
  const m = new RegExp(`<span>${label}</span><strong>(\\d+)</strong>`).exec(body);
  if (!m) throw new Error(`no card ${label}`);
  return Number(m[1]);
}

/** The text of a table row whose header cell starts with `label`, tags stripped. */
function rowText(body: string, marker: string): string {
  const row = body.split('<tr').find((r) => r.includes(marker));
  if (!row) throw new Error(`no row with ${marker}`);
  return row.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
}

describe('console pages', () => {
  let h: HubHarness;
  let app: FastifyInstance;

  const sessions = new Map<ConsoleRole, ConsoleSession>();

  /** Through the console's real registration: session cookie, role check, CSRF check. */
  async function request(role: ConsoleRole, method: 'GET' | 'POST', url: string, form?: Record<string, string | string[]>): Promise<Page> {
    const session = sessions.get(role) as ConsoleSession;
    const res = method === 'GET' ? await consoleGet(app, session, url) : await consolePost(app, session, url, form);
    return { status: res.statusCode, body: res.body, headers: res.headers };
  }
  const get = (role: ConsoleRole, url: string): Promise<Page> => request(role, 'GET', url);
  const post = (role: ConsoleRole, url: string, form: Record<string, string | string[]>): Promise<Page> => request(role, 'POST', url, form);

  async function auditRows(action: string): Promise<Array<{ actor: string; action: string; target_id: string | null; reason: string | null; outcome: string; details: Record<string, unknown> }>> {
    return h.sql('select actor, action, target_id, reason, outcome, details from audit_events where action = $1 order by id', [action]);
  }

  /** The overview page built on the console's own deps with some replaced (a clock, queues). */
  async function overviewWith(overrides: Partial<ConsoleDeps>): Promise<Page> {
    const route = pageRoutes({ ...h.hub.console.deps, ...overrides }).find((r) => r.url === '/')!;
    const bare = Fastify();
    bare.addHook('onRequest', async (req) => {
      req.user = { username: USERS.viewer, role: 'viewer', csrfToken: 'unused' };
    });
    bare.get('/', (req, reply) => route.handler(req, reply));
    try {
      const res = await bare.inject({ method: 'GET', url: '/' });
      return { status: res.statusCode, body: res.body, headers: res.headers };
    } finally {
      await bare.close();
    }
  }

  /** Sends a message and waits until the router has decided on it. */
  async function routed(sender: string, body: string): Promise<{ id: string; status: string }> {
    const sent = await h.send(sender, body);
    expect(sent.status).toBe(202);
    return eventually(async () => (await h.sql<{ id: string; status: string }>('select id, status from referrals where message_id = $1', [sent.json.id]))[0], 'the referral');
  }
  async function deliveryTo(referralId: string, partnerId: string, status: string): Promise<string> {
    return eventually(async () => {
      const [row] = await h.sql<{ id: string; status: string }>('select id, status from deliveries where referral_id = $1 and recipient_partner_id = $2', [referralId, partnerId]);
      return row?.status === status ? row.id : undefined;
    }, `a ${status} delivery to ${partnerId}`);
  }

  // The known data: filled in by beforeAll.
  let delivered: { referralId: string; deliveryId: string; canaries: string[] };
  let refusedHold: string;
  let uncoveredHold: string;
  let deadToReplay: string;
  let deadToClose: string;

  beforeAll(async () => {
    h = await startHubHarness();
    app = h.hub.console.app;
    for (const role of ['viewer', 'operator', 'dpo', 'admin'] as const) sessions.set(role, await signIn(app, USERS[role]));

    // 1. A jobcentre referral, delivered to the advice service.
    const jobcentre = fixtureBody('dwp.jobcentre.referred');
    const first = await routed(JOBCENTRE, jobcentre);
    delivered = { referralId: first.id, deliveryId: await deliveryTo(first.id, ADVICE, 'delivered'), canaries: canariesOf(jobcentre) };
    // 2. Two held referrals: consent refused, and no rule covers it.
    refusedHold = (await routed(SCHOOL, withConsentRefused('education.early-help.requested'))).id;
    uncoveredHold = (await routed(FAMILY_SUPPORT, uncoveredReferral())).id;
    // 3. Two dead letters to the advice service: 403 and 422 (permanent failures, one attempt each).
    h.sims.webhook.script({ status: 403 }, `/partners/${ADVICE}`);
    deadToReplay = await deliveryTo((await routed(JOBCENTRE, jobcentre.replace('jcp-mcr-2026-7781', 'jcp-mcr-2026-7782'))).id, ADVICE, 'dead');
    h.sims.webhook.script({ status: 422 }, `/partners/${ADVICE}`);
    deadToClose = await deliveryTo((await routed(JOBCENTRE, jobcentre.replace('jcp-mcr-2026-7781', 'jcp-mcr-2026-7783'))).id, ADVICE, 'dead');
  }, 90_000);

  afterAll(async () => {
    await h?.close();
  });

  it('the overview shows the known figures to every role', async () => {
    for (const role of ['viewer', 'operator', 'dpo', 'admin'] as const) {
      const page = await get(role, '/');
      expect(page.status).toBe(200);
      expectAccessible(page, `overview as ${role}`);
      expect(page.body).toContain('<meta http-equiv="refresh" content="15">');
      expect(card(page.body, 'Referrals held for review')).toBe(2);
      expect(card(page.body, 'Dead letters')).toBe(2);
      // Five messages in, one delivered, two failed attempts in the last hour.
      expect(page.body.replace(/<[^>]+>/g, '')).toContain('In the last hour: 5 received, 1 delivered, 2 failed attempts.');
      expect(page.body).toContain(`deliver.${ADVICE}`);
      expect(page.body).not.toContain('Queue figures unavailable');
      expect(page.body.match(/<tr><th scope="row"><time/g)?.length).toBe(12);
    }
  });

  it('the overview still answers, without queue figures, when Redis does not', async () => {
    const recipients = h.config.partners.all().filter((p) => p.delivery).map((p) => p.id);
    // Queues whose every call hangs: what a Redis that does not answer looks like.
    const hanging = hubQueueNames(recipients).map((name) => ({ name, getJobCounts: () => new Promise(() => undefined), getJobs: () => new Promise(() => undefined) }));
    const started = Date.now();
    const res = await overviewWith({ queues: () => hanging as unknown as ReturnType<ConsoleDeps['queues']> });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(res.status).toBe(200);
    expect(res.body).toContain('Queue figures unavailable');
    expect(card(res.body, 'Referrals held for review')).toBe(2);
  });

  it('searches referrals by partner, status and id, with links to each', async () => {
    const all = await get('viewer', '/referrals');
    expect(all.status).toBe(200);
    expectAccessible(all, 'search');
    expect(all.body).toContain('5 referrals found.');
    const byPartner = await get('viewer', `/referrals?partner=${JOBCENTRE}`);
    expect(byPartner.body).toContain('3 referrals found.');
    const held = await get('viewer', '/referrals?status=held');
    expect(held.body).toContain('2 referrals found.');
    expect(held.body).toContain(`href="/referrals/${refusedHold}"`);
    expect(held.body).toContain(`href="/referrals/${uncoveredHold}"`);
    const dead = await get('viewer', '/referrals?status=dead');
    expect(dead.body).toContain('2 referrals found.');
    const one = await get('viewer', `/referrals?referralId=${delivered.referralId}`);
    expect(one.body).toContain('1 referral found.');
    const today = new Date().toISOString().slice(0, 10);
    expect((await get('viewer', `/referrals?from=2000-01-01&to=2000-01-02`)).body).toContain('0 referrals found.');
    expect((await get('viewer', `/referrals?from=${today}`)).status).toBe(200);
    // Bad input: an error naming the field, and the value is not echoed.
    const bad = await get('viewer', '/referrals?referralId=Shanice-Campbell&status=lost');
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('Hub referral id:');
    expect(bad.body).toContain('Status:');
    expect(bad.body).not.toContain('Shanice');
  });

  it('the referral page masks people and family data, and contains none of the personal values sent', async () => {
    const page = await get('viewer', `/referrals/${delivered.referralId}`);
    expect(page.status).toBe(200);
    expectAccessible(page, 'referral');
    for (const canary of delivered.canaries) expect(page.body, `the page shows "${canary}"`).not.toContain(canary);
    // Masked forms: an initial per word, the year of birth, the outward code, the last digits.
    for (const masked of ['S****** C*******', '**/**/1993', 'M9 ***', '+44 **** ***555', '9 P********** W**']) expect(page.body).toContain(masked);
    // The timeline: received, the decisions, the delivery and its attempt, the ledger row.
    for (const text of ['Received', 'Decision: share', 'Delivery created', 'Attempt 1', 'Delivered', 'Ledger: disclosed']) expect(page.body).toContain(text);
    expect(page.body).toContain(delivered.deliveryId);
    // Viewers cannot reveal; operators and DPOs see the form.
    expect(page.body).not.toContain('Reveal personal data</button>');
    expect((await get('operator', `/referrals/${delivered.referralId}`)).body).toContain('Reveal personal data</button>');
    expect((await get('dpo', `/referrals/${delivered.referralId}`)).body).toContain('Reveal personal data</button>');
    expect((await get('admin', `/referrals/${delivered.referralId}`)).body).not.toContain('Reveal personal data</button>');
    expect((await get('viewer', '/referrals/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('reveal needs a reason of 10 characters: too short re-renders with an error and writes no audit row', async () => {
    const page = await post('dpo', `/referrals/${delivered.referralId}/reveal`, { reason: 'because' });
    expect(page.status).toBe(422);
    expectAccessible(page, 'reveal error');
    expect(page.body).toContain('There is a problem');
    expect(page.body).toContain('Reason: Enter a reason of at least 10 characters');
    for (const canary of delivered.canaries) expect(page.body).not.toContain(canary);
    expect(await auditRows('reveal')).toEqual([]);
    // A viewer may not reveal at all.
    expect((await post('viewer', `/referrals/${delivered.referralId}/reveal`, { reason: 'I would like to see it please' })).status).toBe(403);
    expect(await auditRows('reveal')).toEqual([]);
  });

  it('reveal with a reason shows the values for this response only and writes exactly one audit row', async () => {
    const reason = 'Checking identity for the Section 17 assessment';
    const page = await post('dpo', `/referrals/${delivered.referralId}/reveal`, { reason });
    expect(page.status).toBe(200);
    expectAccessible(page, 'revealed');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toContain('Revealed for this view only; recorded in the audit trail');
    for (const value of ['Shanice Campbell', '07/10/1993', 'M9 4WH', '+447700900555', '9 Placeholder Way', 'Part-time retail work within school hours']) expect(page.body).toContain(value);
    expect(await auditRows('reveal')).toEqual([{ actor: USERS.dpo, action: 'reveal', target_id: delivered.referralId, reason, outcome: 'ok', details: {} }]);
    // Nothing persists: the next view is masked again.
    const again = await get('dpo', `/referrals/${delivered.referralId}`);
    for (const canary of delivered.canaries) expect(again.body).not.toContain(canary);
  });

  it('the holds page says why each referral is held, in plain English, with forms only for operators and admins', async () => {
    const page = await get('operator', '/holds');
    expect(page.status).toBe(200);
    expectAccessible(page, 'holds');
    expect(page.body).toContain('2 referrals are held for review');
    expect(page.body).toContain('Consent was not given, and no rule allows sharing without it');
    expect(page.body).toContain('No sharing rule covers this referral');
    // The school's own agreement is not offered (it is the source); the family-support charity is.
    const refusedSection = page.body.slice(page.body.indexOf(refusedHold), page.body.indexOf(uncoveredHold));
    expect(refusedSection).toContain(`value="${FAMILY_SUPPORT}/family-support"`);
    expect(refusedSection).not.toContain(`value="${SCHOOL}/`);
    expect(refusedSection).not.toContain('operation-encompass');
    const viewer = await get('viewer', '/holds');
    expect(viewer.body).not.toContain('Share with selected recipients');
    expect(viewer.body).not.toContain('<form method="post" action="/holds/');
    for (const canary of canariesOf(uncoveredReferral())) expect(viewer.body).not.toContain(canary);
    expect((await post('viewer', `/holds/${refusedHold}/share`, { recipients: `${FAMILY_SUPPORT}/family-support`, reason: 'viewer tries' })).status).toBe(403);
    expect((await post('dpo', `/holds/${refusedHold}/close`, { reason: 'dpo tries' })).status).toBe(403);
  });

  it('an operator shares a held referral: a delivery is created and delivered to the simulator, and audited', async () => {
    const noRecipient = await post('operator', `/holds/${refusedHold}/share`, { reason: 'Parent now agrees' });
    expect(noRecipient.status).toBe(422);
    expect(noRecipient.body).toContain('select at least one recipient');
    const noReason = await post('operator', `/holds/${refusedHold}/share`, { recipients: `${FAMILY_SUPPORT}/family-support`, reason: ' ' });
    expect(noReason.status).toBe(422);
    expect(noReason.body).toContain('Enter a reason');
    const notOffered = await post('operator', `/holds/${refusedHold}/share`, { recipients: 'gm-probation/anything', reason: 'Parent now agrees' });
    expect(notOffered.status).toBe(422);
    expect(await auditRows('hold.share')).toEqual([]);

    const res = await post('operator', `/holds/${refusedHold}/share`, { recipients: `${FAMILY_SUPPORT}/family-support`, reason: 'Parent now agrees, confirmed by phone' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/holds?notice=shared&n=1');
    const deliveryId = await deliveryTo(refusedHold, FAMILY_SUPPORT, 'delivered');
    await h.sims.webhook.waitFor((received) => received.some((d) => d.webhookId === deliveryId && d.status === 200), 10_000);
    expect(await h.sql('select operator_id from deliveries where id = $1', [deliveryId])).toEqual([{ operator_id: USERS.operator }]);
    expect(await auditRows('hold.share')).toEqual([{ actor: USERS.operator, action: 'hold.share', target_id: refusedHold, reason: 'Parent now agrees, confirmed by phone', outcome: 'ok', details: { recipients: `${FAMILY_SUPPORT}:family-support`, count: 1 } }]);
    // The referral's page shows the decision; the reason the operator typed is free text, masked like the family's.
    const referralPage = await get('viewer', `/referrals/${refusedHold}`);
    expectAccessible(referralPage, 'shared hold referral');
    expect(referralPage.body).toContain('Hold resolved: shared');
    expect(referralPage.body).toContain('Reason: [hidden: 37 characters]');
    expect(referralPage.body).not.toContain('Parent now agrees');
    for (const canary of canariesOf(withConsentRefused('education.early-help.requested'))) expect(referralPage.body, `the page shows "${canary}"`).not.toContain(canary);
    const after = await get('operator', '/holds?notice=shared&n=1');
    expect(after.body).toContain('Shared: 1 delivery created and queued.');
    expect(after.body).toContain('1 referral is held for review');
    // Pressed twice: nothing more happens.
    const again = await post('operator', `/holds/${refusedHold}/share`, { recipients: `${FAMILY_SUPPORT}/family-support`, reason: 'pressed twice' });
    expect(again.status).toBe(409);
    expect(await auditRows('hold.share')).toHaveLength(1);
  });

  it('an admin closes a held referral without sharing', async () => {
    const res = await post('admin', `/holds/${uncoveredHold}/close`, { reason: 'Family declined all support' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/holds?notice=closed');
    expect(await h.sql('select resolution, resolved_by from review_holds where referral_id = $1', [uncoveredHold])).toEqual([{ resolution: 'closed', resolved_by: USERS.admin }]);
    expect(await h.sql('select id from deliveries where referral_id = $1', [uncoveredHold])).toEqual([]);
    expect(await auditRows('hold.close')).toEqual([{ actor: USERS.admin, action: 'hold.close', target_id: uncoveredHold, reason: 'Family declined all support', outcome: 'ok', details: {} }]);
    expect((await get('viewer', '/holds')).body).toContain('No referral is held for review.');
  });

  it('the dead-letters page lists both with error codes and attempt history, filtered by partner', async () => {
    const page = await get('operator', '/dead-letters');
    expect(page.status).toBe(200);
    expectAccessible(page, 'dead letters');
    expect(page.body).toContain('2 in all');
    // Each row: its last error code, one attempt, then the time it was created.
    const text = page.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    const rowOf = (id: string): string => text.slice(text.indexOf(`Select ${id}`), text.indexOf('Close', text.indexOf(`Select ${id}`)));
    expect(rowOf(deadToReplay)).toMatch(/HTTP_403 1 \d{4}-\d{2}-\d{2} /);
    expect(rowOf(deadToClose)).toMatch(/HTTP_422 1 \d{4}-\d{2}-\d{2} /);
    expect(rowOf(deadToReplay)).toContain('Attempt history (1)');
    expect(page.body).toContain('Attempt history (1)');
    expect(page.body).toContain('Replay selected');
    expect((await get('viewer', `/dead-letters?partner=${ADVICE}`)).body).toContain('2 in all');
    expect((await get('viewer', `/dead-letters?partner=${FAMILY_SUPPORT}`)).body).toContain('No dead letters for this partner.');
    expect((await get('viewer', '/dead-letters')).body).not.toContain('Replay selected');
  });

  it('replaying a dead letter delivers it, and closing one records it; both audited', async () => {
    const noSelection = await post('operator', '/dead-letters/replay', { reason: 'partner fixed its allow-list' });
    expect(noSelection.status).toBe(422);
    expect(noSelection.body).toContain('select at least one dead letter');
    expect((await post('viewer', '/dead-letters/replay', { ids: deadToReplay, reason: 'viewer tries' })).status).toBe(403);

    const res = await post('operator', '/dead-letters/replay', { ids: [deadToReplay], reason: 'partner fixed its allow-list' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/dead-letters?notice=replayed&n=1');
    await h.sims.webhook.waitFor((received) => received.some((d) => d.webhookId === deadToReplay && d.status === 200), 10_000);
    await deliveryTo((await h.sql<{ referral_id: string }>('select referral_id from deliveries where id = $1', [deadToReplay]))[0]!.referral_id, ADVICE, 'delivered');
    expect(await auditRows('dead-letter.replay')).toEqual([{ actor: USERS.operator, action: 'dead-letter.replay', target_id: null, reason: 'partner fixed its allow-list', outcome: 'ok', details: { count: 1, selected: 1, deliveryIds: deadToReplay } }]);

    const shortReason = await post('admin', `/dead-letters/${deadToClose}/close`, { reason: 'x' });
    expect(shortReason.status).toBe(422);
    const closed = await post('admin', `/dead-letters/${deadToClose}/close`, { reason: 'sent by secure post instead' });
    expect(closed.status).toBe(303);
    expect(await h.sql('select status from deliveries where id = $1', [deadToClose])).toEqual([{ status: 'closed' }]);
    expect(await auditRows('dead-letter.close')).toEqual([{ actor: USERS.admin, action: 'dead-letter.close', target_id: deadToClose, reason: 'sent by secure post instead', outcome: 'ok', details: {} }]);
    expect((await post('admin', `/dead-letters/${deadToClose}/close`, { reason: 'closed twice' })).status).toBe(409);
    const page = await get('viewer', '/dead-letters?notice=closed');
    expect(page.body).toContain('No dead letters.');
    expect(page.body).toContain('Dead letter closed without sending');
  });

  it('the partners page shows each partner’s figures; an admin re-enables a disabled endpoint and the parked delivery goes', { timeout: 60_000 }, async () => {
    const page = await get('viewer', '/partners');
    expect(page.status).toBe(200);
    expectAccessible(page, 'partners');
    expect(page.body.match(/<tr id="partner-/g)?.length).toBe(h.config.partners.all().length);
    // The advice service: four attempts (the first delivery, 403, 422, the replay), two failed; two delivered today, none pending, no dead letter left.
    const advice = rowText(page.body, `id="partner-${ADVICE}"`);
    expect(advice).toContain('50.0 % (2 of 4 attempts)');
    expect(advice).toMatch(/attempts\) 2 0 0 /);

    // A 410 disables the academy's endpoint; the next delivery to it is parked.
    h.sims.webhook.script({ status: 410 }, `/partners/${ACADEMY}`);
    const gone = await routed(YJS, youthJusticeNoticeFor('105436'));
    await deliveryTo(gone.id, ACADEMY, 'dead');
    const waiting = await routed(YJS, youthJusticeNoticeFor('105436').replace('yjs-mcr-2026-0150', 'yjs-mcr-2026-0151'));
    const waitingDelivery = await eventually(async () => (await h.sql<{ id: string }>('select id from deliveries where referral_id = $1 and recipient_partner_id = $2', [waiting.id, ACADEMY]))[0]?.id, 'the parked delivery');
    await eventually(async () => h.logs.lines.some((l) => l.includes(waitingDelivery) && l.includes('"spendsAttempt":false')), 'the second delivery to be parked');

    const disabled = await get('admin', '/partners');
    expectAccessible(disabled, 'partners with a disabled endpoint');
    expect(rowText(disabled.body, `id="partner-${ACADEMY}"`)).toContain('disabled since');
    expect(disabled.body).toContain(`action="/partners/${ACADEMY}/enable"`);
    expect((await get('operator', '/partners')).body).not.toContain(`action="/partners/${ACADEMY}/enable"`);
    expect((await post('operator', `/partners/${ACADEMY}/enable`, { reason: 'endpoint restored' })).status).toBe(403);
    expect((await post('admin', `/partners/${ACADEMY}/enable`, { reason: '' })).status).toBe(422);

    const res = await post('admin', `/partners/${ACADEMY}/enable`, { reason: 'endpoint restored' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/partners\?notice=enabled&n=[1-9]/);
    await deliveryTo(waiting.id, ACADEMY, 'delivered');
    const [audit] = await auditRows('endpoint.enable');
    expect(audit).toMatchObject({ actor: USERS.admin, target_id: ACADEMY, reason: 'endpoint restored', outcome: 'ok' });
    expect(audit!.details.resumedDeliveries).toBeGreaterThanOrEqual(1);
    expect(rowText((await get('viewer', '/partners')).body, `id="partner-${ACADEMY}"`)).not.toContain('disabled since');
  });

  it('the ledger page searches rows and verifies the chain, with an audit row; viewers may not open it', async () => {
    expect((await get('viewer', '/ledger')).status).toBe(403);
    const page = await get('dpo', `/ledger?referralId=${delivered.referralId}`);
    expect(page.status).toBe(200);
    expectAccessible(page, 'ledger');
    const rows = await h.sql<{ seq: string; outcome: string }>('select seq, outcome from ledger where referral_id = $1 order by seq', [delivered.referralId]);
    expect(page.body.match(/<tr><th scope="row">\d+<\/th>/g)?.length).toBe(rows.length);
    expect(page.body).toContain(`rule <span class="tag">financial-need-to-advice</span>`);
    const [entry] = await h.hub.store.queryLedger({ referralId: delivered.referralId, recipientPartnerId: ADVICE, limit: 1 });
    expect(page.body).toContain(`${entry!.hash.slice(0, 12)}…`);
    for (const canary of delivered.canaries) expect(page.body).not.toContain(canary);
    const bad = await get('dpo', '/ledger?personId=Shanice');
    expect(bad.status).toBe(400);
    expect(bad.body).not.toContain('Shanice');

    const verified = await post('operator', '/ledger/verify', {});
    expect(verified.status).toBe(200);
    expectAccessible(verified, 'ledger verified');
    const total = Number((await h.sql<{ n: string }>('select count(*) as n from ledger'))[0]!.n);
    expect(verified.body).toContain(`The hash chain is intact: ${total} rows checked.`);
    expect(await auditRows('ledger.verify')).toEqual([{ actor: USERS.operator, action: 'ledger.verify', target_id: null, reason: null, outcome: 'ok', details: { ok: true, checked: total } }]);
  });
  it('the overview counts today’s Operation Encompass deadlines: one met, one at risk', { timeout: 60_000 }, async () => {
    // Kai's school (105433, Oakfield) takes the notice; Ella's (105434, Brookside) refuses it for good.
    h.sims.webhook.script({ status: 403 }, '/partners/brookside-primary');
    const notice = await routed('gmp', fixtureBody('police.domestic-abuse.notified'));
    await deliveryTo(notice.id, 'oakfield-primary', 'delivered');
    await deliveryTo(notice.id, 'brookside-primary', 'dead');
    const rows = await h.sql<{ recipient_partner_id: string; deadline_at: Date }>("select recipient_partner_id, deadline_at from deliveries where referral_id = $1 and deadline_at is not null order by recipient_partner_id", [notice.id]);
    expect(rows.map((r) => r.recipient_partner_id)).toEqual(['brookside-primary', 'oakfield-primary']);
    const deadline = rows[0]!.deadline_at;

    // An hour before the deadline, on its day.
    const page = await overviewWith({ now: () => new Date(deadline.getTime() - 60 * 60_000) });
    expect(page.status).toBe(200);
    expectAccessible(page, 'overview with deadlines');
    expect([card(page.body, 'Due today'), card(page.body, 'Met'), card(page.body, 'Missed'), card(page.body, 'At risk')]).toEqual([2, 1, 0, 1]);
    expect(rowText(page.body, '<span class="tag">oakfield-primary</span>')).toContain(' met ');
    expect(rowText(page.body, '<span class="tag">brookside-primary</span>')).toContain('at risk (dead letter)');
    for (const canary of canariesOf(fixtureBody('police.domestic-abuse.notified'))) expect(page.body).not.toContain(canary);
    // The day after, nothing is due.
    const nextDay = await overviewWith({ now: () => new Date(deadline.getTime() + 24 * 60 * 60_000) });
    expect(card(nextDay.body, 'Due today')).toBe(0);
    expect(nextDay.body).toContain('No delivery has a deadline today.');
  });
});
