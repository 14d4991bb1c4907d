// Signposting and messages to the family in a real browser (issue 6): Debian's Chromium driven by
// playwright-core against every hub service in-process on real PostgreSQL and Redis. An operator
// finds a self-referral, reads the services that may help and why, records one as shared with the
// family with a reason, and sees the acknowledgement the hub sent (status and codes only) — then
// records that the family wants no more messages. Each step is checked on the page and in the
// database.
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page, Response } from 'playwright-core';
import { DEMO_DIRECTORY_FILE } from '../../packages/config/src/settings.ts';
import { importDirectory, suggestServices, type Suggestion } from '../../packages/directory/src/index.ts';
import { ageInYears } from '@hub/domain';
import { referralIdFor } from '@hub/routing';
import { fixtureBody } from '@hub/testing';
import { launchBrowser } from '../support/browser.ts';
import { DEMO_PASSWORDS } from '../support/console-session.ts';
import { eventually, startHubHarness, type HubHarness } from '../support/hub-harness.ts';

const STEP_MS = 30_000;
const TEST_MS = 60_000;
/** Personal values of the self-referral fixture: none may reach the sections checked here. */
const PERSONAL = ['Danielle', 'Ashworth', 'danielle.ashworth', '07700 900481', '07700900481', '+447700900481', 'Fictional Terrace', 'Tyler', 'Maisie', '2016-09-03', '2020-02-17'];

async function textOf(locator: Locator): Promise<string> {
  return (await locator.innerText()).replace(/\s+/g, ' ').trim();
}

/** Does something that submits a form and returns the response of the page the browser ends on, at `path`. */
async function submitBy(page: Page, submit: () => Promise<void>, path: string): Promise<Response> {
  const [response] = await Promise.all([page.waitForResponse((r) => r.request().isNavigationRequest() && new URL(r.url()).pathname === path), submit()]);
  await page.waitForLoadState('load');
  return response;
}

describe('signposting and messages to the family in a browser', () => {
  let h: HubHarness;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let baseUrl: string;
  let page: Page;
  let referralId: string;
  let expected: Suggestion[];
  const pageProblems: string[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
    h = await startHubHarness();
    baseUrl = await h.hub.console.app.listen({ host: '127.0.0.1', port: 0 });

    const body = JSON.parse(fixtureBody('family.self-referral.submitted')) as { data: { correlationId: string } };
    body.data.correlationId = `webform-${randomUUID()}`;
    const sent = await h.send('family-web-form', JSON.stringify(body));
    expect(sent.status).toBe(202);
    referralId = referralIdFor(sent.json.id as string);
    await eventually(async () => (await h.sql<{ status: string }>('SELECT status FROM family_acknowledgements WHERE referral_id = $1', [referralId]))[0]?.status === 'sent', 'the acknowledgement to be sent');

    // What the directory suggests for this referral (as the page computes it): needs, district, children's ages.
    const stored = await h.hub.store.readReferral(referralId);
    const canonical = JSON.parse(stored!.canonical.toString('utf8')) as { needs: string[]; family: { postcodeDistrict?: string } };
    const services = importDirectory(JSON.parse(await readFile(DEMO_DIRECTORY_FILE, 'utf8'))).services;
    const childAges = ['2016-09-03', '2020-02-17'].map((dob) => ageInYears(dob, new Date()) as number);
    expected = suggestServices(services, { needs: canonical.needs, district: canonical.family.postcodeDistrict as string, childAges });
    expect(expected.length).toBeGreaterThan(0);

    context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'Europe/London' });
    context.setDefaultTimeout(STEP_MS);
    context.setDefaultNavigationTimeout(STEP_MS);
    page = await context.newPage();
    page.on('pageerror', (err) => pageProblems.push(`${page.url()}: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) pageProblems.push(`${page.url()}: ${msg.text()}`);
    });
    page.on('response', (res) => {
      const path = new URL(res.url()).pathname;
      if (!res.request().isNavigationRequest() && res.status() >= 400 && path !== '/favicon.ico') pageProblems.push(`${page.url()}: ${res.status()} for ${path}`);
    });
    await page.goto('/login');
    await page.getByLabel('Username').fill('operator');
    await page.getByLabel('Password').fill(DEMO_PASSWORDS.operator);
    const signedIn = await submitBy(page, () => page.getByLabel('Password').press('Enter'), '/');
    expect(signedIn.status()).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close();
    await h?.close();
  });

  it('opens the referral and shows the services that may help, best first, with reasons', { timeout: TEST_MS }, async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Referrals' }).click();
    await page.waitForURL((url) => url.pathname === '/referrals');
    await page.getByLabel('Hub referral id').fill(referralId);
    await submitBy(page, () => page.getByLabel('Hub referral id').press('Enter'), '/referrals');
    await page.getByRole('link', { name: referralId }).click();
    await page.waitForURL((url) => url.pathname === `/referrals/${referralId}`);

    const region = page.getByRole('region', { name: 'Services that may help' });
    await region.waitFor();
    const items = region.locator('li.suggestion');
    expect(await items.count()).toBe(expected.length);
    expect(await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-service-id')))).toEqual(expected.map((s) => s.service.id));
    const first = items.first();
    expect(await textOf(first.getByRole('heading'))).toBe(expected[0]!.service.name);
    const reasons = await first.locator('ul.reasons li').allInnerTexts();
    expect(reasons.map((r) => r.trim())).toEqual(expected[0]!.reasons);
    const shown = await textOf(region);
    for (const p of PERSONAL) expect(shown, p).not.toContain(p);
    expect(shown).toContain('No service has been recorded as shared with the family.');
  });

  it('marks one shared with the family with a reason, and sees it recorded', { timeout: TEST_MS }, async () => {
    const suggestion = expected[0]!;
    const region = page.getByRole('region', { name: 'Services that may help' });
    const item = region.locator(`li.suggestion[data-service-id="${suggestion.service.id}"]`);
    await item.getByLabel(`Why you shared ${suggestion.service.name} with the family`).fill('Gave the leaflet on the phone');
    const res = await submitBy(page, () => item.getByRole('button', { name: 'Mark shared with family' }).click(), `/referrals/${referralId}`);
    expect(res.status()).toBe(200);
    expect(new URL(page.url()).search).toBe('?notice=signposted');
    expect(await textOf(page.getByRole('status'))).toContain('Recorded as shared with the family');
    const table = page.getByRole('table', { name: 'Services recorded as shared with the family' });
    const row = await textOf(table.locator('tbody tr'));
    expect(row).toContain(suggestion.service.name);
    expect(row).toContain(suggestion.service.id);
    expect(row).toMatch(/operator$/);
    expect(await h.sql('SELECT service_id, operator_id, service_url FROM signpost_shares WHERE referral_id = $1', [referralId])).toEqual([
      { service_id: suggestion.service.id, operator_id: 'operator', service_url: suggestion.service.contact.url ?? null },
    ]);
    expect(await h.sql("SELECT actor, reason FROM audit_events WHERE action = 'signpost.shared'")).toEqual([{ actor: 'operator', reason: 'Gave the leaflet on the phone' }]);
  });

  it("shows the acknowledgement's status for the self-referral, codes only, and records an opt-out", { timeout: TEST_MS }, async () => {
    const region = page.getByRole('region', { name: 'Messages to the family' });
    const ack = region.getByRole('table', { name: 'Acknowledgement of the self-referral' });
    const cells = await ack.locator('tbody td').allInnerTexts();
    // Decided, status, reason, channel, outcome, attempts, finished.
    expect(cells.slice(1, 6).map((c) => c.trim())).toEqual(['sent', 'SMS To be sent by text message.', 'sms', 'SENT', '1']);
    const shown = await textOf(region);
    for (const p of PERSONAL) expect(shown, p).not.toContain(p);

    await region.getByLabel('Why the family wants no more messages (for example, how they told you)').fill('Mum asked by phone: no more texts');
    const res = await submitBy(page, () => region.getByRole('button', { name: 'Record that the family wants no messages' }).click(), `/referrals/${referralId}`);
    expect(res.status()).toBe(200);
    expect(await textOf(page.getByRole('status'))).toContain('the hub sends no more acknowledgements or feedback requests to 1 person');
    expect(await textOf(page.getByRole('table', { name: 'People the hub may write to (hub ids are pseudonymous)' }))).toMatch(/opted out .*recorded by operator/);
    expect(await h.sql("SELECT source, recorded_by FROM family_message_opt_outs")).toEqual([{ source: 'console', recorded_by: 'operator' }]);
    expect(pageProblems).toEqual([]);
  });
});
