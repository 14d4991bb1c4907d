import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendLedgerEntries } from '@hub/ledger';
import type { Envelope } from './crypto.ts';
import { loadMasterKeys, openEnvelope, openWithDataKey, unwrapDataKey } from './crypto.ts';
import { toBuffer } from './db.ts';
import { DecryptionError, ErasedError, NotFoundError } from './errors.ts';
import { loadMigrations, runMigrations } from './migrate.ts';
import { canonicalContext, payloadContext, referralKeyContext } from './referrals.ts';
import { routingOutcome } from './routing-test-fixtures.ts';
import { inboundEnvelopeContext } from './store.ts';
import type { Backend, OpenedStore } from './test-backends.ts';
import { backendNames, columnsContaining, createBackend, inbound, testKeyring } from './test-backends.ts';
import { uuidv7 } from './uuid.ts';

const MARKER = 'Zebedee-Quillfeather-1987';
const operator = { operatorId: 'dpo.one', role: 'dpo', reasonCode: 'art17-request' as const, reason: 'request ref SAR-42' };

interface RawReferral {
  key_id: string;
  dek_wrapped: unknown;
  dek_iv: unknown;
  dek_tag: unknown;
  canonical_iv: unknown;
  canonical_tag: unknown;
  canonical_ciphertext: unknown;
}

describe.each(backendNames)('erasure and legal holds on %s', (backendName) => {
  let backend: Backend;
  let main: OpenedStore;
  const keyring = testKeyring();
  const masterKeys = loadMasterKeys(keyring);

  beforeAll(async () => {
    backend = createBackend(backendName);
    main = await backend.open({ keyring });
    await main.store.migrate();
  });

  afterAll(async () => {
    await backend?.closeAll();
  });

  /** A routed referral whose canonical form and payloads carry MARKER; one delivery dead-lettered, one pending. */
  async function routedWithMarker(opts: { hold?: string[] } = {}) {
    const canonical = Buffer.from(JSON.stringify({ people: [{ personRef: 'p1', givenName: MARKER, role: 'child' }] }));
    const routed = await routingOutcome(main.store, {
      canonical,
      ...(opts.hold ? { hold: opts.hold } : { shares: [{ recipient: 'school-1', payload: Buffer.from(`{"name":"${MARKER}"}`) }, { recipient: 'gp-1', payload: Buffer.from(`{"n":"${MARKER}"}`) }] }),
    });
    await main.store.saveRoutingOutcome(routed.input);
    return routed;
  }

  async function rawReferral(referralId: string): Promise<RawReferral> {
    const result = await main.db.query<RawReferral>('SELECT key_id, dek_wrapped, dek_iv, dek_tag, canonical_iv, canonical_tag, canonical_ciphertext FROM referrals WHERE id = $1::uuid', [referralId]);
    return result.rows[0] as RawReferral;
  }

  /** Tries the keyring on what is stored now for the referral: its canonical form and every payload. */
  async function decryptStored(referralId: string): Promise<Buffer[]> {
    const row = await rawReferral(referralId);
    const dataKey = unwrapDataKey(masterKeys, referralKeyContext(referralId), { keyId: row.key_id, wrappedKey: toBuffer(row.dek_wrapped), wrapIv: toBuffer(row.dek_iv), wrapTag: toBuffer(row.dek_tag) });
    const out = [openWithDataKey(dataKey, canonicalContext(referralId), { iv: toBuffer(row.canonical_iv), tag: toBuffer(row.canonical_tag), ciphertext: toBuffer(row.canonical_ciphertext) })];
    const payloads = await main.db.query<{ id: string; payload_iv: unknown; payload_tag: unknown; payload_ciphertext: unknown }>(
      'SELECT id::text AS id, payload_iv, payload_tag, payload_ciphertext FROM deliveries WHERE referral_id = $1::uuid',
      [referralId],
    );
    for (const p of payloads.rows) out.push(openWithDataKey(dataKey, payloadContext(referralId, p.id), { iv: toBuffer(p.payload_iv), tag: toBuffer(p.payload_tag), ciphertext: toBuffer(p.payload_ciphertext) }));
    return out;
  }

  async function rawInbound(messageId: string): Promise<Envelope> {
    const result = await main.db.query<Record<string, unknown>>('SELECT key_id, dek_wrapped, dek_iv, dek_tag, body_iv, body_tag, body_ciphertext FROM inbound_messages WHERE message_id = $1::uuid', [messageId]);
    const row = result.rows[0] as Record<string, unknown>;
    return {
      keyId: row.key_id as string,
      wrappedKey: toBuffer(row.dek_wrapped),
      wrapIv: toBuffer(row.dek_iv),
      wrapTag: toBuffer(row.dek_tag),
      iv: toBuffer(row.body_iv),
      tag: toBuffer(row.body_tag),
      ciphertext: toBuffer(row.body_ciphertext),
    };
  }

  it('destroys the data keys: nothing stored of the referral, its payloads or its message can be decrypted; tombstone, ledger and audit record it', async () => {
    const { store } = main;
    const routed = await routedWithMarker();
    const other = await routedWithMarker();
    const gpDelivery = routed.deliveries.get('gp-1') as string;
    expect(await store.deadLetter(gpDelivery, { code: 'http-400' })).toBe(true);
    // Before: the stored ciphertext decrypts with the keyring (so the checks below can fail).
    expect((await decryptStored(routed.referralId)).every((plain) => plain.includes(MARKER))).toBe(true);
    const ciphertextBefore = await rawReferral(routed.referralId);
    const inboundBefore = await rawInbound(routed.messageId);

    const [result] = await store.eraseReferrals([routed.referralId], operator);
    expect(result).toMatchObject({ recordClass: 'referral', id: routed.referralId, outcome: 'erased', counts: { keysDestroyed: 2, payloads: 2, deliveriesClosed: 1 } });

    // Every reader says "erased", not a decryption failure of some other kind.
    await expect(store.readReferral(routed.referralId)).rejects.toBeInstanceOf(ErasedError);
    await expect(store.getDelivery(routed.deliveries.get('school-1') as string)).rejects.toBeInstanceOf(ErasedError);
    await expect(store.readInbound(routed.messageId)).rejects.toBeInstanceOf(ErasedError);
    // Raw: the wrapped keys are gone, so neither what is stored now nor a copy of the ciphertext taken before opens.
    await expect(decryptStored(routed.referralId)).rejects.toBeInstanceOf(ErasedError);
    const after = await rawReferral(routed.referralId);
    expect(toBuffer(after.dek_wrapped)).toHaveLength(0);
    expect(() =>
      openEnvelope(masterKeys, canonicalContext(routed.referralId), {
        keyId: after.key_id,
        wrappedKey: toBuffer(after.dek_wrapped),
        wrapIv: toBuffer(after.dek_iv),
        wrapTag: toBuffer(after.dek_tag),
        iv: toBuffer(ciphertextBefore.canonical_iv),
        tag: toBuffer(ciphertextBefore.canonical_tag),
        ciphertext: toBuffer(ciphertextBefore.canonical_ciphertext),
      }),
    ).toThrow(DecryptionError);
    const inboundAfter = await rawInbound(routed.messageId);
    expect(inboundAfter.wrappedKey).toHaveLength(0);
    expect(() => openEnvelope(masterKeys, inboundEnvelopeContext(routed.messageId), { ...inboundAfter, iv: inboundBefore.iv, tag: inboundBefore.tag, ciphertext: inboundBefore.ciphertext })).toThrow(DecryptionError);
    // The marker is nowhere in plaintext, and the other referral is untouched.
    expect(await columnsContaining(main.db, backend.schema, MARKER)).toEqual([]);
    expect((await decryptStored(other.referralId)).every((plain) => plain.includes(MARKER))).toBe(true);

    const tombstone = await store.erasureOf('referral', routed.referralId);
    expect(tombstone).toMatchObject({
      recordId: routed.referralId,
      messageId: routed.messageId,
      operatorId: 'dpo.one',
      ruleId: null,
      reasonCode: 'art17-request',
      keysDestroyed: 2,
      payloads: 2,
      deliveriesClosed: 1,
      ledgerEntryId: result?.ledgerEntryId,
    });
    expect([...(tombstone?.subjects ?? [])].sort()).toEqual([...routed.personIds].sort());

    const ledger = await store.queryLedger({ referralId: routed.referralId, limit: 100 });
    const erased = ledger.find((e) => e.outcome === 'erased');
    expect(erased).toMatchObject({ id: result?.ledgerEntryId, decidedByOperator: 'dpo.one', decidedByRule: null, purpose: 'art17-request', deliveryId: null });
    expect([...(erased?.subjects ?? [])].sort()).toEqual([...routed.personIds].sort());
    // The dead letter can never be replayed now: closed, with its not-disclosed row.
    expect(ledger.find((e) => e.deliveryId === gpDelivery)).toMatchObject({ outcome: 'not-disclosed', decidedByOperator: 'dpo.one' });
    expect((await store.listDeadLetters({ limit: 100, offset: 0 })).items.map((d) => d.deliveryId)).not.toContain(gpDelivery);
    expect(await store.verifyLedger()).toMatchObject({ ok: true });

    const audit = await store.listAudit({ action: 'erasure', limit: 100, offset: 0 });
    expect(audit.items.find((a) => a.targetId === routed.referralId)).toMatchObject({ actor: 'dpo.one', role: 'dpo', targetType: 'referral', reason: 'request ref SAR-42', details: { reasonCode: 'art17-request', tombstoneId: tombstone?.id, keysDestroyed: 2 } });

    // Again: nothing more happens; an unknown id is reported as such.
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(await store.eraseReferrals([routed.referralId, unknown], operator)).toEqual([
      expect.objectContaining({ id: routed.referralId, outcome: 'already-erased' }),
      expect.objectContaining({ id: unknown, outcome: 'not-found' }),
    ]);
    expect(await store.referralsOfPerson(routed.personIds[0] as string)).toEqual([expect.objectContaining({ referralId: routed.referralId, role: 'child', erasedAt: expect.any(Date) })]);
  });

  it('leaves a pending delivery to the worker, which closes it without sending (not-disclosed), and refuses others', async () => {
    const { store } = main;
    const routed = await routedWithMarker();
    const school = routed.deliveries.get('school-1') as string;
    const live = await routedWithMarker();
    await store.eraseReferrals([routed.referralId], { ruleId: 'family-records', runId: uuidv7(), reasonCode: 'retention-period-ended' });
    expect(await store.closeErasedDelivery(school)).toBe(true);
    expect(await store.closeErasedDelivery(school)).toBe(false);
    expect(await store.closeErasedDelivery(live.deliveries.get('school-1') as string)).toBe(false);
    const rows = await store.queryLedger({ referralId: routed.referralId, limit: 100 });
    expect(rows.find((e) => e.deliveryId === school)).toMatchObject({ outcome: 'not-disclosed', decidedByRule: 'family-records', decidedByOperator: null });
    expect(rows.find((e) => e.outcome === 'erased')).toMatchObject({ decidedByRule: 'family-records', purpose: 'retention-period-ended' });
    expect((await store.getDelivery(live.deliveries.get('school-1') as string))?.status).toBe('pending');
  });

  it('closes a referral held for review when it is erased', async () => {
    const { store } = main;
    const routed = await routedWithMarker({ hold: ['no-rule-covers'] });
    expect((await store.listHolds()).map((h) => h.referralId)).toContain(routed.referralId);
    await store.eraseReferrals([routed.referralId], operator);
    expect((await store.listHolds()).map((h) => h.referralId)).not.toContain(routed.referralId);
    const status = await main.db.query<{ status: string }>('SELECT status FROM referrals WHERE id = $1::uuid', [routed.referralId]);
    expect(status.rows[0]?.status).toBe('closed');
  });

  it('refuses erasure under a legal hold on the referral or on a person in it, until the hold is released', async () => {
    const { store } = main;
    const byReferral = await routedWithMarker();
    const byPerson = await routedWithMarker();
    const free = await routedWithMarker();
    const dpo = { actor: 'dpo.one', role: 'dpo' };
    const hold = await store.placeLegalHold({ scope: 'referral', targetId: byReferral.referralId, reason: 'Litigation matter LM-7', by: dpo });
    const personHold = await store.placeLegalHold({ scope: 'person', targetId: byPerson.personIds[1] as string, reason: 'Court order CO-3', by: dpo });
    expect(hold).toMatchObject({ scope: 'referral', targetId: byReferral.referralId, placedBy: 'dpo.one', releasedAt: null });

    const results = await store.eraseReferrals([byReferral.referralId, byPerson.referralId, free.referralId], { ruleId: 'family-records', runId: uuidv7(), reasonCode: 'retention-period-ended' });
    const byId = new Map(results.map((r) => [r.id, r]));
    expect(byId.get(byReferral.referralId)).toMatchObject({ outcome: 'held', holdIds: [hold.id] });
    expect(byId.get(byPerson.referralId)).toMatchObject({ outcome: 'held', holdIds: [personHold.id] });
    expect(byId.get(free.referralId)).toMatchObject({ outcome: 'erased' });
    // Held: still readable, no tombstone, no ledger row.
    expect((await store.readReferral(byReferral.referralId))?.canonical.includes(MARKER)).toBe(true);
    expect((await store.readReferral(byPerson.referralId))?.canonical.includes(MARKER)).toBe(true);
    expect(await store.erasureOf('referral', byReferral.referralId)).toBeNull();
    expect((await store.queryLedger({ referralId: byReferral.referralId, limit: 10 })).some((e) => e.outcome === 'erased')).toBe(false);
    expect(await store.activeLegalHolds([byReferral.referralId, byPerson.referralId, free.referralId])).toEqual(
      new Map([
        [byReferral.referralId, [hold.id]],
        [byPerson.referralId, [personHold.id]],
      ]),
    );

    expect(await store.releaseLegalHold(hold.id, { reason: 'Matter closed', by: dpo })).toMatchObject({ releasedBy: 'dpo.one', releaseReason: 'Matter closed' });
    expect(await store.releaseLegalHold(hold.id, { reason: 'again', by: dpo })).toBeNull();
    expect((await store.eraseReferrals([byReferral.referralId], operator))[0]?.outcome).toBe('erased');
    expect((await store.eraseReferrals([byPerson.referralId], operator))[0]?.outcome).toBe('held');

    const holds = await store.listLegalHolds({ includeReleased: true });
    expect(holds.map((h) => h.id)).toEqual(expect.arrayContaining([hold.id, personHold.id]));
    expect((await store.listLegalHolds()).map((h) => h.id)).not.toContain(hold.id);
    const audit = await store.listAudit({ action: 'legal-hold', limit: 100, offset: 0 });
    expect(audit.items.map((a) => `${a.action}:${a.targetId}`)).toEqual(expect.arrayContaining([`legal-hold.place:${byReferral.referralId}`, `legal-hold.release:${byReferral.referralId}`]));

    // Nothing to hold: an erased referral, an unknown person.
    await expect(store.placeLegalHold({ scope: 'referral', targetId: free.referralId, reason: 'x', by: dpo })).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.placeLegalHold({ scope: 'person', targetId: uuidv7(), reason: 'x', by: dpo })).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.placeLegalHold({ scope: 'referral', targetId: byPerson.referralId, reason: '   ', by: dpo })).rejects.toThrow(/reason/);
    expect(await store.verifyLedger()).toMatchObject({ ok: true });
  });

  it('erases an inbound message that never became a referral, and refuses one that did', async () => {
    const { store } = main;
    const accepted = await store.acceptInbound(inbound({ text: `{"type":"referral.acknowledged","data":{"note":"${MARKER}"}}` }));
    const routed = await routedWithMarker();
    const results = await store.eraseInboundMessages([accepted.messageId, routed.messageId], { ruleId: 'unrouted-messages', runId: uuidv7(), reasonCode: 'retention-period-ended' });
    expect(new Map(results.map((r) => [r.id, r.outcome]))).toEqual(
      new Map([
        [accepted.messageId, 'erased'],
        [routed.messageId, 'has-referral'],
      ]),
    );
    await expect(store.readInbound(accepted.messageId)).rejects.toBeInstanceOf(ErasedError);
    expect((await store.readInbound(routed.messageId))?.body.length).toBeGreaterThan(0);
    expect(await store.erasureOf('inbound-message', accepted.messageId)).toMatchObject({ ruleId: 'unrouted-messages', keysDestroyed: 1 });
  });

  it('keeps tombstones append-only', async () => {
    const routed = await routedWithMarker();
    await main.store.eraseReferrals([routed.referralId], operator);
    await expect(main.db.query("UPDATE erasures SET reason_code = 'x'")).rejects.toThrow(/append-only/);
    await expect(main.db.query('DELETE FROM erasures')).rejects.toThrow(/append-only/);
  });

  it('records retention runs and their progress', async () => {
    const { store } = main;
    const run = await store.createRetentionRun({ mode: 'dry-run', trigger: 'cli', requestedBy: 'dpo.one', asOf: '2031-02-28' });
    expect(run).toMatchObject({ status: 'queued', asOf: '2031-02-28', done: 0, total: null, report: null });
    await store.updateRetentionRun(run.id, { status: 'running', phase: 'planning', done: 3, total: 10, startedAt: new Date() });
    await store.updateRetentionRun(run.id, { status: 'done', finishedAt: new Date(), report: { counts: { due: 2 } } });
    expect(await store.getRetentionRun(run.id)).toMatchObject({ status: 'done', phase: 'planning', done: 3, total: 10, report: { counts: { due: 2 } } });
    expect((await store.listRetentionRuns(5))[0]?.id).toBe(run.id);
    await expect(store.updateRetentionRun(uuidv7(), { done: 1 })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('migration 0007 on a ledger written before it', () => {
  it('keeps every existing row and hash valid, accepts erased rows, and still refuses unknown outcomes', async () => {
    const backend = createBackend('postgres');
    try {
      const { store, db } = await backend.open();
      const all = await loadMigrations();
      const schema = backend.schema;
      await runMigrations(db, schema, all.filter((m) => m.version < 7));
      const at = new Date('2025-01-02T03:04:05.678Z');
      await db.transaction((tx) =>
        appendLedgerEntries(tx, [
          { id: uuidv7(), at, referralId: uuidv7(), deliveryId: uuidv7(), subjects: [uuidv7()], recipientPartnerId: 'school-1', purpose: 'p', art6: 'public-task', fields: ['/a'], payloadSha256: 'a'.repeat(64), channel: 'webhook', outcome: 'disclosed', decidedByRule: 'r1' },
          { id: uuidv7(), at, referralId: uuidv7(), subjects: [], fields: [], outcome: 'not-disclosed', decidedByOperator: 'op' },
        ]),
      );
      await store.migrate();
      await db.transaction((tx) => appendLedgerEntries(tx, [{ id: uuidv7(), at: new Date(), referralId: uuidv7(), subjects: [uuidv7()], purpose: 'art17-request', fields: [], outcome: 'erased', decidedByOperator: 'op' }]));
      expect(await store.verifyLedger()).toEqual({ ok: true, checked: 3 });
      await expect(
        db.query(
          "INSERT INTO ledger (seq, id, at, referral_id, subjects, fields, outcome, prev_hash, hash) VALUES (99, $1::uuid, now(), $2::uuid, '{}', '{}', 'bogus', $3, $3)",
          [uuidv7(), uuidv7(), Buffer.alloc(32)],
        ),
      ).rejects.toThrow(/ledger_outcome_check/);
      // A disclosed row still needs its delivery details.
      await expect(
        db.query(
          "INSERT INTO ledger (seq, id, at, referral_id, subjects, fields, outcome, prev_hash, hash) VALUES (99, $1::uuid, now(), $2::uuid, '{}', '{}', 'disclosed', $3, $3)",
          [uuidv7(), uuidv7(), Buffer.alloc(32)],
        ),
      ).rejects.toThrow(/ledger_disclosed_shape_check/);
    } finally {
      await backend.closeAll();
    }
  });
});
