// Signposting (issue 6, part 2) end to end: every service in one process on real PostgreSQL and
// Redis with the demo directory (demo mode, no HUB_DIRECTORY_URL). A routed referral's page shows
// the directory services matching its needs and the family's postcode district, with reasons; an
// operator's "shared with family" is recorded and audited; a viewer cannot record one; and
// signposting sends nothing to anyone (the simulators receive nothing because of it).
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DIRECTORY_FILE } from '../../packages/config/src/settings.ts';
import { importDirectory, suggestServices } from '../../packages/directory/src/index.ts';
import { fixtureBody } from '@hub/testing';
import { consoleGet, consolePost, signIn, type ConsoleSession } from '../support/console-session.ts';
import { eventually, startHubHarness, type HubHarness } from '../support/hub-harness.ts';

/** The text of the page with tags stripped and entities for quotes undone. */
function text(body: string): string {
  return body
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

describe('signposting', () => {
  let h: HubHarness;
  let referralId: string;
  let operator: ConsoleSession;
  let viewer: ConsoleSession;

  const simulatorCounts = (): Record<string, number> =>
    Object.fromEntries(
      Object.entries(h.sims)
        .filter(([, sim]) => typeof sim === 'object' && sim !== null && Array.isArray((sim as { received?: unknown }).received))
        .map(([name, sim]) => [name, (sim as { received: unknown[] }).received.length]),
    );

  beforeAll(async () => {
    h = await startHubHarness();
    // A VCS referral: needs financial-stability and housing, family in M12, one child born 2016.
    const sent = await h.send('northside-community-trust', fixtureBody('vcs.referral.submitted'));
    expect(sent.status).toBe(202);
    referralId = await eventually(async () => (await h.sql<{ id: string; status: string }>('select id, status from referrals where message_id = $1', [sent.json.id]))[0]?.id, 'the referral');
    // Let its deliveries settle, so the simulators' counts are stable before signposting.
    await eventually(async () => (await h.sql<{ n: number }>("select count(*)::int as n from deliveries where referral_id = $1 and status = 'pending'", [referralId]))[0]?.n === 0, 'deliveries settled');
    operator = await signIn(h.hub.console.app, 'operator');
    viewer = await signIn(h.hub.console.app, 'viewer');
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  it("shows services matching the referral's needs and district, with reasons, and no date of birth", async () => {
    const stored = await h.hub.store.readReferral(referralId);
    const canonical = JSON.parse(stored!.canonical.toString('utf8')) as { needs: string[]; family: { postcodeDistrict?: string } };
    expect(canonical.needs.sort()).toEqual(['financial-stability', 'housing']);
    expect(canonical.family.postcodeDistrict).toBe('M12');
    const services = importDirectory(JSON.parse(await readFile(DEMO_DIRECTORY_FILE, 'utf8'))).services;
    const expected = suggestServices(services, { needs: canonical.needs, district: 'M12', childAges: [10] });
    expect(expected.length).toBeGreaterThan(0);

    const res = await consoleGet(h.hub.console.app, viewer, `/referrals/${referralId}`);
    expect(res.statusCode).toBe(200);
    const section = /<section aria-labelledby="signposting-h">[\s\S]*?<\/section>/.exec(res.body)?.[0] ?? '';
    expect(section).toContain('Services that may help');
    const shown = [...section.matchAll(/data-service-id="([^"]+)"/g)].map((m) => m[1]);
    expect(shown).toEqual(expected.map((s) => s.service.id));
    // Every suggestion covers one of the needs; none covers only others.
    for (const id of shown) expect(services.find((s) => s.id === id)?.needs.some((n) => canonical.needs.includes(n))).toBe(true);
    const plain = text(section);
    for (const reason of expected[0]!.reasons) expect(plain).toContain(reason);
    expect(plain).toContain("Covers 2 of the referral's 2 needs: Secure housing; Financial stability.");
    expect(plain).toMatch(/postcode (district|area)/);
    // Ages are computed server-side; dates of birth (masked or not) are not in this section.
    expect(section).not.toMatch(/2016|\*\*\/\*\*\//);
    // The viewer sees no form to record a share.
    expect(section).not.toContain('/signposting"');
  });

  it('records "shared with family" by an operator with a reason, audited, and sends nothing', async () => {
    const before = simulatorCounts();
    const outboxBefore = await h.sql<{ n: number }>('select count(*)::int as n from outbox');
    const page = await consoleGet(h.hub.console.app, operator, `/referrals/${referralId}`);
    const serviceId = /data-service-id="([^"]+)"/.exec(page.body)?.[1] as string;
    expect(page.body).toContain(`action="/referrals/${referralId}/signposting"`);

    // A reason is required; a service not suggested for this referral is refused; nothing is written.
    const noReason = await consolePost(h.hub.console.app, operator, `/referrals/${referralId}/signposting`, { serviceId, reason: '' });
    expect(noReason.statusCode).toBe(422);
    expect(noReason.body).toContain('Reason: Enter a reason');
    const notSuggested = await consolePost(h.hub.console.app, operator, `/referrals/${referralId}/signposting`, { serviceId: 'demo-svc-024-not-there', reason: 'Family asked for it' });
    expect(notSuggested.statusCode).toBe(422);
    expect(notSuggested.body).toContain('Service: choose a service from the suggestions');
    expect(notSuggested.body).not.toContain('demo-svc-024-not-there');
    expect(await h.sql('select * from signpost_shares')).toEqual([]);

    const ok = await consolePost(h.hub.console.app, operator, `/referrals/${referralId}/signposting`, { serviceId, reason: 'Gave the leaflet at the home visit' });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe(`/referrals/${referralId}?notice=signposted`);
    const rows = await h.sql<{ referral_id: string; service_id: string; service_name: string; operator_id: string }>('select referral_id::text, service_id, service_name, operator_id from signpost_shares');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ referral_id: referralId, service_id: serviceId, operator_id: 'operator' });
    // The directory's public web address for the service is kept with the share (for an acknowledgement's links).
    const directory = importDirectory(JSON.parse(await readFile(DEMO_DIRECTORY_FILE, 'utf8'))).services;
    const url = directory.find((s) => s.id === serviceId)?.contact.url;
    expect(url).toMatch(/^https:\/\//);
    expect(await h.sql('select service_url from signpost_shares')).toEqual([{ service_url: url }]);
    const audit = await h.sql<{ actor: string; target_id: string; reason: string; outcome: string; details: Record<string, unknown> }>("select actor, target_id, reason, outcome, details from audit_events where action = 'signpost.shared'");
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'operator', target_id: referralId, reason: 'Gave the leaflet at the home visit', outcome: 'ok' });
    expect(audit[0]?.details.serviceId).toBe(serviceId);

    const after = await consoleGet(h.hub.console.app, viewer, `/referrals/${referralId}?notice=signposted`);
    expect(text(after.body)).toContain('Recorded as shared with the family');
    expect(text(after.body)).toContain(`${rows[0]!.service_name} ${serviceId}`);

    // Nothing went to any partner or family because of signposting: no new outbox row, no simulator traffic.
    expect(await h.sql<{ n: number }>('select count(*)::int as n from outbox')).toEqual(outboxBefore);
    expect(simulatorCounts()).toEqual(before);
  });

  it('refuses a viewer', async () => {
    const page = await consoleGet(h.hub.console.app, operator, `/referrals/${referralId}`);
    const serviceId = /data-service-id="([^"]+)"/.exec(page.body)?.[1] as string;
    const res = await consolePost(h.hub.console.app, viewer, `/referrals/${referralId}/signposting`, { serviceId, reason: 'Trying as a viewer' });
    expect(res.statusCode).toBe(403);
    expect(await h.sql('select * from signpost_shares')).toHaveLength(1);
  });
});
