import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureBody } from '@hub/testing';
import { eventually, startHubHarness, type HubHarness } from '../support/hub-harness.ts';

function youthJusticeNoticeFor(urn: string): string {
  const body = JSON.parse(fixtureBody('justice.youth-justice.notified')) as { data: { youngPerson: { schoolUrn: string } } };
  body.data.youngPerson.schoolUrn = urn;
  return JSON.stringify(body);
}

describe('admin actions do what they say', () => {
  let h: HubHarness;
  beforeAll(async () => {
    h = await startHubHarness();
  });
  afterAll(async () => {
    await h?.close();
  });
  async function deliveryOf(messageId: unknown): Promise<{ id: string }> {
    return eventually(async () => (await h.sql<{ id: string }>('select d.id from deliveries d join referrals r on r.id = d.referral_id where r.message_id = $1', [messageId]))[0], 'a delivery');
  }
  const statusOf = async (id: string): Promise<string | undefined> => (await h.sql<{ status: string }>('select status from deliveries where id = $1', [id]))[0]?.status;

  it('enabling a partner after a 410 sends the deliveries that waited meanwhile', { timeout: 60_000 }, async () => {
    h.sims.webhook.script({ status: 410 }, '/partners/northside-academy');
    const gone = await deliveryOf((await h.send('manchester-yjs', youthJusticeNoticeFor('105436'))).json.id);
    await eventually(async () => (await statusOf(gone.id)) === 'dead', 'the 410 dead letter');
    const waiting = await deliveryOf((await h.send('manchester-yjs', youthJusticeNoticeFor('105436'))).json.id);
    await eventually(async () => h.logs.lines.some((l) => l.includes(waiting.id) && l.includes('"spendsAttempt":false')), 'the second delivery to be parked');
    const enabled = await h.admin('POST', '/admin/partners/northside-academy/enable', { reason: 'endpoint restored' });
    expect(enabled.status).toBe(200);
    expect(enabled.json.resumedDeliveries).toBeGreaterThanOrEqual(1);
    await eventually(async () => (await statusOf(waiting.id)) === 'delivered', 'the parked delivery to be sent once the endpoint is enabled', 20_000);
  });

  it('closing something that is not a dead letter is refused with 404', async () => {
    const delivered = await deliveryOf((await h.send('jobcentre-manchester-central', fixtureBody('dwp.jobcentre.referred'))).json.id);
    await eventually(async () => (await statusOf(delivered.id)) === 'delivered', 'delivered');
    expect((await h.admin('POST', `/admin/dead-letters/${delivered.id}/close`, { reason: 'wrong row' })).status).toBe(404);
    expect((await h.admin('POST', `/admin/dead-letters/${randomUUID()}/close`, { reason: 'no such row' })).status).toBe(404);
    expect(await statusOf(delivered.id)).toBe('delivered');
  });
});
