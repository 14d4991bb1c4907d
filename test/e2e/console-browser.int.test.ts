// The operator console in a real browser (issue 4): Debian's Chromium driven by playwright-core
// against every hub service in-process on real PostgreSQL and Redis, with the partner simulators.
// Each flow is what a person does — type, click, press keys — and is checked twice: on the page
// the browser shows, and in the database or at the simulated partner. Screenshots of the main
// pages are written to docs/screenshots/ on every run (the README shows them); nothing here
// reads them back.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page, Response } from 'playwright-core';
import { fixtureBody } from '@hub/testing';
import { hubQueueNames } from '@hub/queues';
import { launchBrowser } from '../support/browser.ts';
import { DEMO_PASSWORDS, type DemoAccount } from '../support/console-session.ts';
import { eventually, startHubHarness, type HubHarness } from '../support/hub-harness.ts';

const JOBCENTRE = 'jobcentre-manchester-central';
const ADVICE = 'citizens-advice-manchester';
const SCHOOL = 'st-marys-primary';
const FAMILY_SUPPORT = 'northside-community-trust';

/** Each browser step (a navigation, a click, waiting for text) may take this long. */
const STEP_MS = 30_000;
/** Each test: a few steps, well under the file's two minutes when things work. */
const TEST_MS = 60_000;
const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

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
  // Phone numbers are stored in E.164.
  for (const value of [...found]) if (/^0\d[\d ]+$/.test(value)) found.add(`+44${value.replace(/\s/g, '').slice(1)}`);
  return [...found];
}

function withConsentRefused(type: string): string {
  const body = JSON.parse(fixtureBody(type)) as { data: Record<string, unknown> };
  body.data.consent = { status: 'refused', capturedAt: '2026-11-23T15:20:00Z' };
  return JSON.stringify(body);
}

/** A full-page PNG, 1280 wide, under docs/screenshots/. */
async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true, animations: 'disabled' });
}

/** The page's visible text with whitespace collapsed. */
async function textOf(locator: Locator): Promise<string> {
  return (await locator.innerText()).replace(/\s+/g, ' ').trim();
}

async function h1Of(page: Page): Promise<string> {
  return textOf(page.locator('h1'));
}

/**
 * Does something that submits a form (a click, Enter) and returns the response of the page the
 * browser ends on, at `path` (after a redirect, the page redirected to).
 */
async function submitBy(page: Page, submit: () => Promise<void>, path: string): Promise<Response> {
  const [response] = await Promise.all([page.waitForResponse((r) => r.request().isNavigationRequest() && new URL(r.url()).pathname === path), submit()]);
  await page.waitForLoadState('load');
  return response;
}

describe('the console in a browser', () => {
  let h: HubHarness;
  let baseUrl: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  /** Script errors and CSP refusals the console's own pages caused (the queue board is excluded: it asks for Google Fonts, refused on purpose). */
  const pageProblems: string[] = [];

  let delivered: { referralId: string; deliveryId: string; canaries: string[] };
  let heldReferral: string;
  let deadLetter: string;
  let operator: Page;

  async function routed(sender: string, body: string): Promise<string> {
    const sent = await h.send(sender, body);
    expect(sent.status).toBe(202);
    return eventually(async () => (await h.sql<{ id: string; status: string }>('select id, status from referrals where message_id = $1', [sent.json.id]))[0]?.id, 'the referral');
  }
  async function deliveryTo(referralId: string, partnerId: string, status: string): Promise<string> {
    return eventually(async () => {
      const [row] = await h.sql<{ id: string; status: string }>('select id, status from deliveries where referral_id = $1 and recipient_partner_id = $2', [referralId, partnerId]);
      return row?.status === status ? row.id : undefined;
    }, `a ${status} delivery to ${partnerId}`);
  }
  async function auditRows(action: string): Promise<Array<{ actor: string; reason: string | null; target_id: string | null }>> {
    return h.sql('select actor, reason, target_id from audit_events where action = $1 order by id', [action]);
  }

  /** A fresh browser context (its own cookies), at 1280 × 800. */
  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'Europe/London' });
    context.setDefaultTimeout(STEP_MS);
    context.setDefaultNavigationTimeout(STEP_MS);
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => pageProblems.push(`${page.url()}: ${err.message}`));
    const board = (): boolean => new URL(page.url()).pathname.startsWith('/queues');
    page.on('console', (msg) => {
      // Pages answered 401, 403 or 422 on purpose are logged as failed loads: not a problem.
      if (msg.type() === 'error' && !board() && !msg.text().startsWith('Failed to load resource')) pageProblems.push(`${page.url()}: ${msg.text()}`);
    });
    page.on('response', (res) => {
      // Anything a page loads besides itself (styles, scripts, images) must load.
      const path = new URL(res.url()).pathname;
      if (!res.request().isNavigationRequest() && res.status() >= 400 && !board() && path !== '/favicon.ico') pageProblems.push(`${page.url()}: ${res.status()} for ${path}`);
    });
    return page;
  }

  /** Signs in through the form, as a person would, and lands on the overview. */
  async function signIn(page: Page, account: DemoAccount): Promise<void> {
    await page.goto('/login');
    await page.getByLabel('Username').fill(account);
    await page.getByLabel('Password').fill(DEMO_PASSWORDS[account]);
    const res = await submitBy(page, () => page.getByLabel('Password').press('Enter'), '/');
    expect(res.status(), `sign-in as ${account}`).toBe(200);
    expect(await h1Of(page)).toBe('Overview');
  }

  async function signedIn(account: DemoAccount): Promise<Page> {
    const page = await newPage();
    await signIn(page, account);
    return page;
  }

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    // The browser first: without Chromium the file fails at once, saying how to install it.
    browser = await launchBrowser();
    h = await startHubHarness();
    // The harness injects; a browser needs a real socket.
    baseUrl = await h.hub.console.app.listen({ host: '127.0.0.1', port: 0 });

    // A jobcentre referral delivered to the advice service (to search for and reveal).
    const jobcentre = fixtureBody('dwp.jobcentre.referred');
    const first = await routed(JOBCENTRE, jobcentre);
    delivered = { referralId: first, deliveryId: await deliveryTo(first, ADVICE, 'delivered'), canaries: canariesOf(jobcentre) };
    // A school's referral without consent: held for an operator.
    heldReferral = await routed(SCHOOL, withConsentRefused('education.early-help.requested'));
    expect(await h.sql('select resolution from review_holds where referral_id = $1', [heldReferral])).toEqual([{ resolution: null }]);
    // The advice service refuses the next one with a 400: a dead letter after one attempt.
    h.sims.webhook.script({ status: 400 }, `/partners/${ADVICE}`);
    deadLetter = await deliveryTo(await routed(JOBCENTRE, jobcentre.replace('jcp-mcr-2026-7781', 'jcp-mcr-2026-7782')), ADVICE, 'dead');
  }, 90_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    // Closes the console's listening socket with the rest of the hub.
    await h?.close();
  });

  it('signs in: a wrong password gets the generic error; the right one the overview with its queues and figures', { timeout: TEST_MS }, async () => {
    const page = await newPage();
    await page.goto('/');
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await h1Of(page)).toBe('Sign in');
    await screenshot(page, 'sign-in');

    await page.getByLabel('Username').fill('operator');
    await page.getByLabel('Password').fill('not-the-password');
    const refused = await submitBy(page, () => page.getByRole('button', { name: 'Sign in' }).click(), '/login');
    expect(refused.status()).toBe(401);
    const alert = page.getByRole('alert');
    expect(await textOf(alert)).toBe('There is a problem The username or password is not right');
    expect(await page.getByLabel('Password').inputValue()).toBe('');
    expect(await auditRows('sign-in-failed')).toEqual([{ actor: 'operator', reason: null, target_id: null }]);

    await page.getByLabel('Username').fill('operator');
    await page.getByLabel('Password').fill(DEMO_PASSWORDS.operator);
    const ok = await submitBy(page, () => page.getByRole('button', { name: 'Sign in' }).click(), '/');
    expect(ok.status()).toBe(200);
    expect(await h1Of(page)).toBe('Overview');
    expect(await textOf(page.locator('header .who'))).toContain('operator (operator)');
    expect(await auditRows('sign-in')).toEqual([{ actor: 'operator', reason: null, target_id: null }]);

    // The queue table lists every queue the hub runs (routing, family messages, one per recipient), with numbers in every cell.
    const queues = page.getByRole('table', { name: 'Jobs per queue' });
    await queues.waitFor();
    const queueRows = queues.locator('tbody tr');
    expect(await queueRows.count()).toBe(hubQueueNames(h.config.partners.all().filter((p) => p.delivery).map((p) => p.id)).length);
    expect(await textOf(queues.getByRole('row', { name: new RegExp(`^deliver\\.${ADVICE}\\b`) }))).toMatch(new RegExp(`^deliver\\.${ADVICE}( \\d+){5} `));
    // The cards: one held referral, one dead letter.
    const cardValue = async (label: string): Promise<string> => textOf(page.locator('.card', { hasText: label }).locator('strong'));
    expect(await cardValue('Referrals held for review')).toBe('1');
    expect(await cardValue('Dead letters')).toBe('1');
    expect(await textOf(page.locator('main'))).toContain('In the last hour: 3 received, 1 delivered, 1 failed attempts.');
    await screenshot(page, 'overview');
    operator = page;
  });

  it('finds a referral by its hub id; it is masked until the operator states a reason, and the reveal is in the audit trail', { timeout: TEST_MS }, async () => {
    const page = operator;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Referrals' }).click();
    await page.waitForURL((url) => url.pathname === '/referrals');
    await page.getByLabel('Hub referral id').fill(delivered.referralId);
    await submitBy(page, () => page.getByLabel('Hub referral id').press('Enter'), '/referrals');
    expect(await textOf(page.locator('main'))).toContain('1 referral found.');
    await page.getByRole('link', { name: delivered.referralId }).click();
    await page.waitForURL((url) => url.pathname === `/referrals/${delivered.referralId}`);
    expect(await h1Of(page)).toBe(`Referral ${delivered.referralId}`);

    // Masked: initials, the year of birth, the outward code, the last digits.
    for (const masked of ['S****** C*******', '**/**/1993', 'M9 ***', '+44 **** ***555']) {
      expect(await page.getByText(masked, { exact: false }).first().isVisible(), `"${masked}" is shown`).toBe(true);
    }
    const masked = await page.content();
    for (const canary of delivered.canaries) expect(masked, `the page shows "${canary}"`).not.toContain(canary);
    await screenshot(page, 'referral-masked');

    // Too short: the browser itself refuses to send the form (minlength), and nothing is recorded.
    const reason = page.getByLabel('Why do you need to see this personal data?');
    await reason.pressSequentially('because');
    const invalid = reason.evaluate((el) => new Promise<boolean>((resolve) => el.addEventListener('invalid', () => resolve(true), { once: true })));
    await page.getByRole('button', { name: 'Reveal personal data' }).click();
    expect(await invalid).toBe(true);
    expect(await reason.evaluate((el) => (el as unknown as { validity: { tooShort: boolean } }).validity.tooShort)).toBe(true);
    expect(new URL(page.url()).pathname).toBe(`/referrals/${delivered.referralId}`);
    // Padded with spaces it passes the browser's check; the server counts what is left and says no.
    await reason.fill('   because   ');
    const short = await submitBy(page, () => page.getByRole('button', { name: 'Reveal personal data' }).click(), `/referrals/${delivered.referralId}/reveal`);
    expect(short.status()).toBe(422);
    expect(await textOf(page.getByRole('alert'))).toBe('There is a problem Reason: Enter a reason of at least 10 characters');
    for (const canary of delivered.canaries) expect(await page.content()).not.toContain(canary);
    expect(await auditRows('reveal')).toEqual([]);

    const stated = 'Checking identity before the Section 17 assessment visit';
    await page.getByLabel('Why do you need to see this personal data?').fill(stated);
    const revealed = await submitBy(page, () => page.getByRole('button', { name: 'Reveal personal data' }).click(), `/referrals/${delivered.referralId}/reveal`);
    expect(revealed.status()).toBe(200);
    expect(revealed.headers()['cache-control']).toBe('no-store');
    expect(await textOf(page.getByRole('status'))).toBe('Revealed for this view only; recorded in the audit trail.');
    for (const value of ['Shanice Campbell', '07/10/1993', 'M9 4WH', '9 Placeholder Way', 'Part-time retail work within school hours']) {
      expect(await page.getByText(value, { exact: false }).first().isVisible(), `"${value}" is shown`).toBe(true);
    }
    expect(await page.getByRole('button', { name: 'Reveal personal data' }).count()).toBe(0);
    await screenshot(page, 'referral-revealed');
    expect(await auditRows('reveal')).toEqual([{ actor: 'operator', reason: stated, target_id: delivered.referralId }]);

    // Masked again on the next view.
    await page.getByRole('link', { name: 'Mask it again' }).click();
    await page.waitForURL((url) => url.pathname === `/referrals/${delivered.referralId}`);
    expect(await page.getByText('S****** C*******').first().isVisible()).toBe(true);
    for (const canary of delivered.canaries) expect(await page.content()).not.toContain(canary);

    // The data protection officer sees who revealed what, and why.
    const dpo = await signedIn('dpo');
    await dpo.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit trail' }).click();
    await dpo.waitForURL((url) => url.pathname === '/audit');
    const row = dpo.locator('tbody tr', { hasText: stated });
    expect(await row.count()).toBe(1);
    const cells = await row.locator('td').allInnerTexts();
    expect(cells[1]).toBe('operator operator');
    expect(cells[2]).toBe('reveal');
    expect(cells[3]).toBe(`referral ${delivered.referralId}`);
    expect(cells[4]).toBe('ok');
    expect(cells[5]).toBe(stated);
    await screenshot(dpo, 'audit');
  });

  it('a viewer sees the same lists without the reveal form or any action buttons, and gets the 403 page for the audit trail', { timeout: TEST_MS }, async () => {
    const viewer = await signedIn('viewer');
    const nav = viewer.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link').allInnerTexts()).toEqual(['Overview', 'Queues', 'Referrals', 'Review hold', 'Dead letters', 'Partners', 'Statistics', 'Performance']);

    await viewer.goto(`/referrals/${delivered.referralId}`);
    expect(await viewer.getByText('S****** C*******').first().isVisible()).toBe(true);
    expect(await viewer.getByRole('button', { name: 'Reveal personal data' }).count()).toBe(0);
    expect(await viewer.locator('textarea').count()).toBe(0);

    await nav.getByRole('link', { name: 'Review hold' }).click();
    await viewer.waitForURL((url) => url.pathname === '/holds');
    expect(await viewer.getByRole('link', { name: heldReferral }).isVisible()).toBe(true);
    expect(await viewer.getByRole('button', { name: 'Share with selected recipients' }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: 'Close without sharing' }).count()).toBe(0);
    expect(await viewer.getByRole('checkbox').count()).toBe(0);

    await nav.getByRole('link', { name: 'Dead letters' }).click();
    await viewer.waitForURL((url) => url.pathname === '/dead-letters');
    expect(await viewer.locator('tbody tr', { hasText: deadLetter }).count()).toBe(1);
    expect(await viewer.getByRole('button', { name: 'Replay selected' }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: /^Close dead letter/ }).count()).toBe(0);
    expect(await viewer.getByRole('checkbox').count()).toBe(0);

    const forbidden = await viewer.goto('/audit');
    expect(forbidden?.status()).toBe(403);
    expect(await h1Of(viewer)).toBe('You cannot use this page');
    expect(await textOf(viewer.locator('main'))).toContain('Your role does not allow this.');
    const [denied] = (await h.sql<{ actor: string; target_id: string }>("select actor, target_id from audit_events where action = 'access-denied'"));
    expect(denied).toEqual({ actor: 'viewer', target_id: 'GET /audit' });
  });

  it('an operator shares a held referral with a recipient; the delivery reaches the partner', { timeout: TEST_MS }, async () => {
    const page = operator;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Review hold' }).click();
    await page.waitForURL((url) => url.pathname === '/holds');
    const hold = page.locator('section.hold', { has: page.getByRole('link', { name: heldReferral }) });
    expect(await textOf(hold)).toContain('Consent was not given, and no rule allows sharing without it');
    await screenshot(page, 'holds');

    const recipient = h.config.partners.get(FAMILY_SUPPORT)!.displayName;
    await hold.getByRole('checkbox', { name: `${recipient} — purpose family-support` }).check();
    await hold.getByLabel('Reason for your decision').fill('Parent now agrees, confirmed by phone');
    const shared = await submitBy(page, () => hold.getByRole('button', { name: 'Share with selected recipients' }).click(), '/holds');
    expect(shared.status()).toBe(200);
    expect(await textOf(page.getByRole('status'))).toBe('Shared: 1 delivery created and queued. The decision is recorded with your name.');
    expect(await textOf(page.locator('main'))).toContain('No referral is held for review.');

    expect(await h.sql('select resolution, resolved_by from review_holds where referral_id = $1', [heldReferral])).toEqual([{ resolution: 'shared', resolved_by: 'operator' }]);
    const deliveryId = await deliveryTo(heldReferral, FAMILY_SUPPORT, 'delivered');
    const received = await h.sims.webhook.waitFor((all) => all.some((d) => d.webhookId === deliveryId && d.status === 200), STEP_MS);
    expect(received.find((d) => d.webhookId === deliveryId)?.partnerId).toBe(FAMILY_SUPPORT);
    expect(await auditRows('hold.share')).toEqual([{ actor: 'operator', reason: 'Parent now agrees, confirmed by phone', target_id: heldReferral }]);
  });

  it('an operator replays the dead letter; the partner receives it and the list empties', { timeout: TEST_MS }, async () => {
    const page = operator;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dead letters' }).click();
    await page.waitForURL((url) => url.pathname === '/dead-letters');
    const row = page.locator('tbody tr', { hasText: deadLetter }).first();
    expect(await textOf(row)).toContain('HTTP_400');
    await row.locator('summary', { hasText: 'Attempt history (1)' }).click();
    expect(await row.getByRole('table', { name: 'Attempts' }).isVisible()).toBe(true);
    await screenshot(page, 'dead-letters');

    await row.getByRole('checkbox', { name: 'Select' }).check();
    await page.getByLabel('Reason for replaying or closing').fill('Partner fixed its validation');
    const replayed = await submitBy(page, () => page.getByRole('button', { name: 'Replay selected' }).click(), '/dead-letters');
    expect(replayed.status()).toBe(200);
    expect(await textOf(page.getByRole('status'))).toBe('1 delivery replayed: queued to be sent again.');

    // The same delivery id arrives at the partner and is delivered.
    await h.sims.webhook.waitFor((all) => all.some((d) => d.webhookId === deadLetter && d.status === 200), STEP_MS);
    await eventually(async () => (await h.sql<{ status: string }>('select status from deliveries where id = $1', [deadLetter]))[0]?.status === 'delivered', 'the replayed delivery to be delivered');
    await page.reload();
    expect(await textOf(page.locator('main'))).toContain('No dead letters.');
    expect(await page.locator('tbody tr', { hasText: deadLetter }).count()).toBe(0);
    expect(await auditRows('dead-letter.replay')).toEqual([{ actor: 'operator', reason: 'Partner fixed its validation', target_id: null }]);
  });

  it('the partners page and the queue board render', { timeout: TEST_MS }, async () => {
    const page = operator;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Partners' }).click();
    await page.waitForURL((url) => url.pathname === '/partners');
    expect(await page.locator('tr[id^="partner-"]').count()).toBe(h.config.partners.all().length);
    expect(await page.locator(`tr#partner-${ADVICE}`).isVisible()).toBe(true);
    await screenshot(page, 'partners');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Queues' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/queues'));
    // bull-board is a React app: wait until it has drawn a card per queue with the jobs it read from Redis.
    const cards = page.locator('main li', { has: page.getByRole('link', { name: /^(referral\.route|deliver\.)/ }) });
    const adviceCard = cards.filter({ has: page.getByRole('link', { name: `deliver.${ADVICE}`, exact: true }) });
    await adviceCard.waitFor();
    expect(await cards.count()).toBe(1 + h.config.partners.all().filter((p) => p.delivery).length);
    // The first delivery, the dead letter and its replay went through this queue.
    expect(Number(/(\d+) Jobs?/.exec(await textOf(adviceCard))?.[1])).toBeGreaterThanOrEqual(2);
    expect(await page.getByText('Loading...').count()).toBe(0);
    await screenshot(page, 'queues');
  });

  it('verifies the ledger’s hash chain and shows how many rows it checked', { timeout: TEST_MS }, async () => {
    const page = operator;
    await page.goto('/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Ledger' }).click();
    await page.waitForURL((url) => url.pathname === '/ledger');
    const rows = Number((await h.sql<{ n: string }>('select count(*) as n from ledger'))[0]!.n);
    // The first delivery, the shared hold, the replayed dead letter (and any decisions not to disclose).
    expect(rows).toBeGreaterThanOrEqual(3);
    const verified = await submitBy(page, () => page.getByRole('button', { name: "Verify the ledger's hash chain" }).click(), '/ledger/verify');
    expect(verified.status()).toBe(200);
    expect(await textOf(page.getByRole('status'))).toBe(`Verified The hash chain is intact: ${rows} rows checked.`);
    expect(await page.locator('tbody th[scope="row"]').count()).toBe(rows);
    await screenshot(page, 'ledger');
    expect(await h.sql("select actor, details from audit_events where action = 'ledger.verify'")).toEqual([{ actor: 'operator', details: { ok: true, checked: rows } }]);
  });

  it('keyboard: the skip link is the first Tab stop and moves focus to the main content', { timeout: TEST_MS }, async () => {
    for (const path of ['/', '/referrals', '/login']) {
      const page = path === '/login' ? await newPage() : operator;
      await page.goto(path);
      await page.keyboard.press('Tab');
      const focused = page.locator(':focus');
      expect(await focused.count(), `one element has focus on ${path}`).toBe(1);
      expect({ text: await focused.textContent(), href: await focused.getAttribute('href') }, `first Tab stop on ${path}`).toEqual({ text: 'Skip to main content', href: '#main' });
      // Visible when focused (it is off-screen otherwise).
      const box = await focused.boundingBox();
      expect(box && box.x >= 0 && box.y >= 0 && box.width > 0, `the focused skip link is on screen on ${path}`).toBe(true);
      await page.keyboard.press('Enter');
      expect(await page.locator('main:focus').count(), `focus after the skip link on ${path}`).toBe(1);
      // The next Tab stop is inside main, past the navigation.
      await page.keyboard.press('Tab');
      expect(await page.locator('main :focus').count(), `the Tab after skipping on ${path}`).toBe(1);
    }
  });

  it('no console page raised a script error or a Content Security Policy refusal', () => {
    expect(pageProblems).toEqual([]);
  });
});
