import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPayloadAgainstAllowList } from '@hub/sharing';
import { fixtureBody, fixtureTypes } from '@hub/testing';
import { eventually, startHubHarness, type HubHarness } from '../support/hub-harness.ts';

interface DeliveryRow {
  id: string;
  recipient_partner_id: string;
  status: string;
  channel: string;
  priority: string;
  deadline_at: Date | null;
  attempts: number;
  payload_sha256: string;
  fields: string[];
  last_error_code: string | null;
}

// Referral feedback (referral.*) and a family's feedback answer (POST /v1/feedback) are not referrals.
const SOURCE_TYPES = fixtureTypes().filter((t) => !t.startsWith('referral.') && t !== 'family.feedback.submitted');

function senderOf(h: HubHarness, type: string): string {
  const partner = h.config.partners.all().find((p) => p.messageTypes.has(type));
  if (!partner) throw new Error(`no demo partner sends ${type}`);
  return partner.id;
}

/** Every JSON leaf of a payload as a pointer (arrays by index). */
function leaves(value: unknown, pointer = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, `${pointer}/${i}`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leaves(v, `${pointer}/${k}`));
  return [pointer];
}

describe('from signed POST to simulated recipients, minimised and ledgered', () => {
  let h: HubHarness;
  beforeAll(async () => {
    h = await startHubHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  async function referralOf(messageId: string): Promise<{ id: string; status: string }> {
    return eventually(async () => (await h.sql<{ id: string; status: string }>('select id, status from referrals where message_id = $1', [messageId]))[0], `referral for ${messageId}`);
  }

  async function finishedDeliveries(referralId: string): Promise<DeliveryRow[]> {
    return eventually(async () => {
      const rows = await h.sql<DeliveryRow>('select * from deliveries where referral_id = $1 order by recipient_partner_id', [referralId]);
      return rows.length > 0 && rows.every((r) => r.status !== 'pending') ? rows : undefined;
    }, `deliveries of ${referralId} to finish`);
  }

  /** What the simulated partner received for a delivery: the exact bytes and the parsed payload. */
  function receivedFor(row: DeliveryRow): { raw: Buffer; payload: Record<string, unknown> } {
    if (row.channel === 'webhook') {
      const got = h.sims.webhook.received.filter((d) => d.webhookId === row.id && d.status >= 200 && d.status < 300);
      expect(got.length, `webhook ${row.recipient_partner_id}`).toBeGreaterThanOrEqual(1);
      expect(new Set(got.map((g) => g.raw.toString('base64'))).size).toBe(1);
      return { raw: got[0]!.raw, payload: got[0]!.body as Record<string, unknown> };
    }
    if (row.channel === 'email') {
      const mail = h.sims.smtp.received.find((m) => m.attachments.some((a) => a.filename === `referral-${row.id}.json`));
      expect(mail, `email to ${row.recipient_partner_id}`).toBeDefined();
      const attachment = mail!.attachments.find((a) => a.filename === `referral-${row.id}.json`)!;
      return { raw: attachment.content, payload: JSON.parse(attachment.content.toString('utf8')) as Record<string, unknown> };
    }
    const bundle = h.sims.fhir.received.find((b) => b.requestId === row.id);
    expect(bundle, `FHIR bundle to ${row.recipient_partner_id}`).toBeDefined();
    return { raw: bundle!.raw, payload: bundle!.body as Record<string, unknown> };
  }

  for (const type of SOURCE_TYPES) {
    it(`${type}: each recipient receives exactly its allow-listed fields, with one ledger row per disclosure`, async () => {
      const sent = await h.send(senderOf(h, type), fixtureBody(type));
      expect(sent.status).toBe(202);
      const referral = await referralOf(sent.json.id as string);
      expect(referral.status).toBe('routed');
      const rows = await finishedDeliveries(referral.id);
      const ledger = await h.hub.store.queryLedger({ referralId: referral.id, limit: 100 });
      for (const row of rows) {
        expect(row.status, `${row.recipient_partner_id}: ${row.last_error_code}`).toBe('delivered');
        const received = receivedFor(row);
        const entries = ledger.filter((e) => e.deliveryId === row.id);
        expect(entries).toHaveLength(1);
        const entry = entries[0]!;
        expect(entry.outcome).toBe('disclosed');
        expect(entry.recipientPartnerId).toBe(row.recipient_partner_id);
        expect(entry.payloadSha256).toBe(row.payload_sha256);
        expect(entry.art6).toBeTruthy();
        if (row.channel !== 'fhir') {
          // The ledger's hash is of the exact bytes the partner received.
          expect(createHash('sha256').update(received.raw).digest('hex')).toBe(row.payload_sha256);
          const payload = received.payload;
          const agreement = h.config.sharing.agreements.byId(payload.agreementId as string);
          expect(agreement?.recipient).toBe(row.recipient_partner_id);
          // Every field of every payload is allowed by the recipient's agreement …
          expect(() => checkPayloadAgainstAllowList(payload, agreement!)).not.toThrow();
          // … and is exactly what the ledger says was disclosed.
          const envelope = new Set(['schema', 'referralId', 'deliveryId', 'recipient', 'purpose', 'agreementId', 'lawfulBasis', 'sourceType', 'urgency']);
          const dataLeaves = leaves(payload).filter((p) => !envelope.has(p.split('/')[1] as string) && !/\/(personRef|people\/\d+\/role)$/.test(p));
          // The ledger lists fields at the agreement's granularity (`/needs`, `/people/0/address`).
          const under = (leaf: string, field: string): boolean => leaf === field || leaf.startsWith(`${field}/`);
          for (const leaf of dataLeaves) expect(entry.fields.some((f) => under(leaf, f)), `${leaf} sent but not in the ledger`).toBe(true);
          for (const field of entry.fields) expect(leaves(payload).some((leaf) => under(leaf, field)), `${field} in the ledger but not sent`).toBe(true);
          expect(entry.art9 ?? undefined).toBe((payload.lawfulBasis as { art9?: string }).art9);
          expect(entry.art10 ?? undefined).toBe((payload.lawfulBasis as { art10?: string }).art10);
        }
      }
    });
  }

  it('Operation Encompass: each child\'s own school gets an urgent delivery with a next-school-day deadline, and nothing about the other child', async () => {
    const sent = await h.send('gmp', fixtureBody('police.domestic-abuse.notified'));
    const referral = await referralOf(sent.json.id as string);
    const rows = await finishedDeliveries(referral.id);
    const schools = rows.filter((r) => h.config.partners.get(r.recipient_partner_id)?.organisationType === 'education');
    expect(schools.map((r) => r.recipient_partner_id).sort()).toEqual(['brookside-primary', 'oakfield-primary']);
    for (const row of schools) {
      expect(row.priority).toBe('urgent');
      expect(row.deadline_at).toBeInstanceOf(Date);
      expect(row.deadline_at!.getTime()).toBeGreaterThan(Date.now() - 5 * 24 * 3600_000);
      const payload = receivedFor(row).payload as { people?: { givenName?: string; role: string }[] };
      expect(payload.people).toHaveLength(1);
      expect(payload.people![0]!.role).toBe('child');
      const text = JSON.stringify(payload);
      // Never the adults, never another school's child.
      expect(text).not.toContain('Grace');
      expect(text).not.toContain('Fictional');
      expect(text).toContain(row.recipient_partner_id === 'oakfield-primary' ? 'Kai' : 'Ella');
      expect(text).not.toContain(row.recipient_partner_id === 'oakfield-primary' ? 'Ella' : 'Kai');
    }
  });

  it('reports an Operation Encompass delivery still undelivered at its deadline, once', async () => {
    // Hold the school's endpoint so the delivery stays pending, then move its deadline into the past.
    h.sims.webhook.script({ status: 503, times: 1000 }, '/partners/oakfield-primary');
    const sent = await h.send('gmp', fixtureBody('police.domestic-abuse.notified'));
    const referral = await referralOf(sent.json.id as string);
    const [row] = await eventually(async () => {
      const rows = await h.sql<DeliveryRow>("select * from deliveries where referral_id = $1 and recipient_partner_id = 'oakfield-primary' and attempts >= 1", [referral.id]);
      return rows.length > 0 ? rows : undefined;
    }, 'a failed attempt to the school');
    expect(row!.status).toBe('pending');
    await h.sql("update deliveries set deadline_at = now() - interval '1 minute' where id = $1", [row!.id]);
    const logStart = h.logs.lines.length;
    expect(await h.hub.deadlines.checkNow()).toBeGreaterThanOrEqual(1);
    const [missed] = await h.sql<{ deadline_missed_at: Date | null }>('select deadline_missed_at from deliveries where id = $1', [row!.id]);
    expect(missed!.deadline_missed_at).toBeInstanceOf(Date);
    expect(h.logs.lines.slice(logStart).join('')).toContain('Operation Encompass deadline missed');
    // Reported once: a second check does not report it again.
    const again = await h.hub.deadlines.checkNow();
    const stillListed = (await h.sql<{ id: string }>('select id from deliveries where id = $1 and deadline_missed_at is not null', [row!.id])).length;
    expect(stillListed).toBe(1);
    expect(again).toBe(0);
  });

  it('the ledger verifies, and the CLI-equivalent verification covers every row', async () => {
    const result = await h.hub.store.verifyLedger();
    expect(result.ok).toBe(true);
    expect(result.checked).toBeGreaterThan(SOURCE_TYPES.length);
  });
});
