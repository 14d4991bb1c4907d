import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { feedbackInvitationIdFor, referralIdFor } from '@hub/routing';
import { fixtureBody, scanRedisFor } from '@hub/testing';
import { launchBrowser } from '../support/browser.ts';
import { eventually, startHubHarness, type HubHarness } from '../support/hub-harness.ts';

// Issue 6 end to end, as a family meets it: a recipient closes the referral, the invitation goes
// out through Notify after the delay, the family opens the link in a browser, answers on the
// gateway's form, and the answer is stored once — encrypted, apart from the case — and counted in
// the anonymised statistics. The same link then says it has been used.

const SENDER = 'family-web-form';
const COMMENT = `The family worker was patient with us ${randomUUID()}`;

describe('a family answers a feedback invitation in the browser', () => {
  let h: HubHarness;
  let browser: Browser;
  let gatewayBase: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    h = await startHubHarness({ HUB_FEEDBACK_DELAY_MINUTES: '0.01' });
    gatewayBase = await h.hub.gateway.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  async function openPage(url: string): Promise<Page> {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
    await page.goto(url);
    return page;
  }

  /** Routes a self-referral, closes one of its deliveries as its recipient, and returns the invitation's link. */
  async function invitationLink(): Promise<{ link: string; invitationId: string }> {
    const referral = JSON.parse(fixtureBody('family.self-referral.submitted')) as { data: { correlationId: string } };
    referral.data.correlationId = `webform-${randomUUID()}`;
    const sent = await h.send(SENDER, JSON.stringify(referral));
    expect(sent.status).toBe(202);
    const referralId = referralIdFor(sent.json.id as string);
    const delivery = await eventually(async () => {
      const rows = await h.sql<{ id: string; recipient_partner_id: string }>("SELECT id::text AS id, recipient_partner_id FROM deliveries WHERE referral_id = $1 AND kind = 'referral' AND status = 'delivered'", [referralId]);
      return rows.find((d) => h.config.partners.get(d.recipient_partner_id)?.messageTypes.has('referral.closed'));
    }, 'a delivered referral whose recipient can close it');
    const closed = JSON.parse(fixtureBody('referral.closed')) as { data: { deliveryId: string; correlationId: string } };
    closed.data.deliveryId = delivery.id;
    closed.data.correlationId = `clo-${randomUUID()}`;
    expect((await h.send(delivery.recipient_partner_id, JSON.stringify(closed))).status).toBe(202);
    const invitationId = feedbackInvitationIdFor(delivery.id);
    await h.sims.notify.waitFor((all) => all.some((r) => r.reference === invitationId && r.status === 201), 30_000);
    const message = h.sims.notify.received.find((r) => r.reference === invitationId && r.status === 201);
    const link = String(message?.personalisation?.link ?? '');
    expect(link).toMatch(/\/feedback#token=[A-Za-z0-9_-]{43}$/);
    return { link, invitationId };
  }

  const formUrl = (link: string): string => `${gatewayBase}/feedback${link.slice(link.indexOf('#'))}`;

  it('takes the answer once, stores it encrypted and apart from the case, and refuses the link after that', { timeout: 90_000 }, async () => {
    const { link } = await invitationLink();
    const token = link.slice(link.indexOf('#token=') + 7);
    const before = Number((await h.sql<{ n: string }>('SELECT count(*)::text AS n FROM family_feedback'))[0]?.n);

    const page = await openPage(formUrl(link));
    // The token leaves the address bar (and the history) as soon as the page has read it.
    expect(new URL(page.url()).hash).toBe('');
    await page.getByRole('group', { name: 'Overall, how good was the support your family got?' }).getByLabel('5 – Very good').check();
    await page.getByRole('group', { name: 'Did you feel listened to?' }).getByLabel('4 – Good').check();
    await page.getByLabel('Anything else you would like to tell us?').fill(COMMENT);
    await page.getByRole('button', { name: 'Send my answers' }).click();
    await expect.poll(async () => page.getByRole('status').textContent()).toBe('Thank you. We have your answers.');

    const rows = await h.sql<{ ratings: Record<string, number>; service_type: string; comment_ciphertext: Buffer | null; row: string }>(
      'SELECT ratings, service_type, comment_ciphertext, row_to_json(f)::text AS row FROM family_feedback f ORDER BY submitted_at DESC',
    );
    expect(rows.length).toBe(before + 1);
    expect(rows[0]?.ratings).toEqual({ overall: 5, listened: 4 });
    expect(rows[0]?.comment_ciphertext?.length).toBeGreaterThan(0);
    // Apart from the case: the row names no referral, and holds the words only encrypted.
    expect(rows[0]?.row).not.toContain(COMMENT);
    expect(Object.keys(JSON.parse(rows[0]?.row ?? '{}') as object)).not.toContain('referral_id');
    expect((await scanRedisFor(h.redis, `${h.prefix}:*`, [COMMENT, token])).findings).toEqual([]);
    expect(h.logs.text()).not.toContain(token);

    // The anonymised statistics count it (a single answer shows as suppressed, never as 1).
    const month = new Date().toISOString().slice(0, 7);
    const report = await h.hub.store.feedbackStatistics({ from: month, to: month });
    expect(report.some((r) => r.serviceType === rows[0]?.service_type && r.ratings.overall === 5)).toBe(true);

    // The same link again: the form says it was used, and nothing more is stored.
    const again = await openPage(formUrl(link));
    await again.getByRole('group', { name: 'Overall, how good was the support your family got?' }).getByLabel('1 – Very poor').check();
    await again.getByRole('button', { name: 'Send my answers' }).click();
    await expect.poll(async () => again.getByRole('alert').textContent()).toBe('This link has expired or has already been used.');
    expect(Number((await h.sql<{ n: string }>('SELECT count(*)::text AS n FROM family_feedback'))[0]?.n)).toBe(before + 1);
    expect(pageErrors.filter((e) => !e.includes('401'))).toEqual([]);
  });

  it('asks a visitor without a link to use the one in their message, and shows no form', { timeout: 30_000 }, async () => {
    const page = await openPage(`${gatewayBase}/feedback`);
    await expect.poll(async () => page.getByRole('alert').textContent()).toBe('Please open this page from the link in the message we sent you.');
    expect(await page.locator('form#feedback').isVisible()).toBe(false);
  });
});
