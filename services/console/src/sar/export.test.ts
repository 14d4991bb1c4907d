import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { LedgerEntry, SubjectAccessDelivery, SubjectAccessRecords, SubjectAccessReferral } from '@hub/store';
import { renderSubjectAccessHtml, SUBJECT_ACCESS_HTML_CSP } from './export-html.ts';
import { buildSubjectAccessExport, REDACTED, SUBJECT_ACCESS_EXPORT_FORMAT } from './export.ts';

const TYLER = '01900000-0000-7000-8000-000000000001';
const DANIELLE = '01900000-0000-7000-8000-000000000002';
const MAISIE = '01900000-0000-7000-8000-000000000003';
const DAD = '01900000-0000-7000-8000-000000000004';
const at = new Date('2026-11-27T19:42:10Z');

/** A self-referral: Danielle (parent), Tyler and Maisie (children) at one address. */
function selfReferral(): Record<string, unknown> {
  return {
    referralId: '01900000-0000-7000-8000-0000000000a1',
    people: [
      {
        personRef: 'p1',
        hubPersonId: DANIELLE,
        role: 'parent',
        givenName: 'Danielle',
        familyName: 'Ashworth',
        dateOfBirth: '1990-04-12',
        nhsNumber: '9990010005',
        contact: { phone: '+447700900481', email: 'danielle.ashworth@example.org' },
        ethnicity: { system: 'census-2021', code: 'white-british' },
      },
      { personRef: 'p2', hubPersonId: TYLER, role: 'child', givenName: 'Tyler', familyName: 'Ashworth', dateOfBirth: '2016-09-03', nhsNumber: '9990010013', schoolUrn: '105432', healthConditions: ['Asthma'] },
      { personRef: 'p3', hubPersonId: MAISIE, role: 'child', givenName: 'Maisie', familyName: 'Ashworth', dateOfBirth: '2020-02-17', nhsNumber: '9990010021' },
    ],
    family: { address: { lines: ['14 Fictional Terrace'], town: 'Manchester', postcode: 'M14 5RX' }, postcodeDistrict: 'M14', householdSize: 3, contact: { phone: '+447700900481', preferredMethod: 'text' }, contactSafe: true },
    needs: ['education'],
    needSummary: 'Tyler is struggling at school. Danielle says Maisie is fine; ring 07700 900481 or see DOB 12/04/1990.',
    consent: { status: 'given' },
    lawfulBasis: { art6: 'public-task' },
    referrer: { name: 'Mrs C. Example', jobTitle: 'DSL', organisation: 'Example School', phone: '+441614960456' },
  };
}

/** A police notification: Tyler and Maisie present or not, their mother the victim, the father alleged. */
function policeReferral(): Record<string, unknown> {
  return {
    referralId: '01900000-0000-7000-8000-0000000000a2',
    people: [
      { personRef: 'p1', role: 'child', givenName: 'Tyler', familyName: 'Ashworth', dateOfBirth: '2016-09-03', nhsNumber: '9990010013' },
      { personRef: 'p2', role: 'child', givenName: 'Maisie', familyName: 'Ashworth', dateOfBirth: '2020-02-17' },
      { personRef: 'p3', role: 'victim', givenName: 'Danielle', familyName: 'Ashworth', dateOfBirth: '1990-04-12', address: { lines: ['14 Fictional Terrace'], postcode: 'M14 5RX' } },
      { personRef: 'p4', role: 'alleged-perpetrator', givenName: 'Robert', familyName: 'Fictional', dateOfBirth: '1985-12-11', address: { lines: ['2 Other Road'], postcode: 'M1 1AA' } },
    ],
    family: { address: { lines: ['14 Fictional Terrace'], postcode: 'M14 5RX' }, contactSafe: false },
    needs: ['domestic-abuse'],
    consent: { status: 'not-sought', reasonNotSought: 'child-at-risk' },
    lawfulBasis: { art6: 'public-task', art10: 'dpa2018-sch1-para18' },
    police: {
      reference: 'GMP/26/112233',
      circumstances: 'Robert Fictional shouted at Danielle; <script>alert(1)</script> officers attended.',
      childrenPresent: [
        { personRef: 'p1', present: true, voiceOfChild: 'Said he was scared.' },
        { personRef: 'p2', present: false, whereabouts: 'With grandparent' },
      ],
    },
  };
}

function delivery(id: string, recipient: string, subjects: string[], delivered: boolean): SubjectAccessDelivery {
  return {
    deliveryId: id,
    recipientPartnerId: recipient,
    decisionId: id.replace(/c(\d)$/, 'd$1'),
    ruleId: `rule-${recipient}`,
    operatorId: null,
    channel: 'webhook',
    status: delivered ? 'delivered' : 'pending',
    attempts: 1,
    purpose: 'early-help-support',
    lawfulBasis: { art6: 'public-task' },
    fields: ['/people/1/givenName'],
    subjects,
    deadlineAt: null,
    createdAt: at,
    deliveredAt: delivered ? at : null,
    feedbackStatus: null,
    feedbackAt: null,
  };
}

function ledgerRow(seq: number, referralId: string, deliveryId: string | null, recipient: string | null, subjects: string[], outcome: 'disclosed' | 'not-disclosed'): LedgerEntry {
  return {
    seq,
    id: `01900000-0000-7000-9000-${String(seq).padStart(12, '0')}`,
    at,
    referralId,
    deliveryId,
    subjects,
    recipientPartnerId: recipient,
    purpose: 'early-help-support',
    art6: outcome === 'disclosed' ? 'public-task' : null,
    art9: null,
    sch1Paragraph: null,
    art10: null,
    fields: outcome === 'disclosed' ? ['/people/1/givenName'] : [],
    payloadSha256: outcome === 'disclosed' ? 'a'.repeat(64) : null,
    channel: outcome === 'disclosed' ? 'webhook' : null,
    outcome,
    decidedByRule: 'rule',
    decidedByOperator: null,
    prevHash: '0'.repeat(64),
    hash: 'b'.repeat(64),
  };
}

function referral(canonical: Record<string, unknown>, personRefs: string[], people: [string, string, string][], deliveries: SubjectAccessDelivery[], sourcePartnerId = 'family-web-form'): SubjectAccessReferral {
  const referralId = canonical.referralId as string;
  return {
    referralId,
    messageId: referralId.replace(/a(\d)$/, 'b$1'),
    sourcePartnerId,
    sourceType: 'family.self-referral.submitted',
    urgency: 'routine',
    status: 'routed',
    receivedAt: at,
    routedAt: at,
    erasedAt: null,
    canonical: Buffer.from(JSON.stringify(canonical)),
    personRefs,
    people: people.map(([personRef, hubPersonId, role]) => ({ personRef, hubPersonId, role })),
    inbound: { messageId: referralId.replace(/a(\d)$/, 'b$1'), partnerId: sourcePartnerId, webhookId: 'msg_1', type: 'family.self-referral.submitted', schemaId: 'x', receivedAt: at, bodySha256: 'c'.repeat(64) },
    decisions: deliveries.map((d) => ({ decisionId: d.decisionId, recipientPartnerId: d.recipientPartnerId, decision: 'share' as const, ruleId: d.ruleId, operatorId: null, reason: 'rule matched', purpose: d.purpose, priority: 'routine', decidedAt: at })),
    deliveries,
    hold: null,
  };
}

function tylerRecords(): SubjectAccessRecords {
  const self = selfReferral();
  const police = policeReferral();
  const toSchool = delivery('01900000-0000-7000-8000-0000000000c1', 'school', [TYLER], true);
  const toGp = delivery('01900000-0000-7000-8000-0000000000c2', 'gp', [DANIELLE], true);
  const toMash = delivery('01900000-0000-7000-8000-0000000000c3', 'mash', [TYLER, MAISIE, DANIELLE], true);
  return {
    personId: TYLER,
    linkedByNhsNumber: true,
    readAt: at,
    referrals: [
      referral(self, ['p2'], [['p1', DANIELLE, 'parent'], ['p2', TYLER, 'child'], ['p3', MAISIE, 'child']], [toSchool, toGp]),
      referral(police, ['p1'], [['p1', TYLER, 'child'], ['p2', MAISIE, 'child'], ['p3', DANIELLE, 'victim'], ['p4', DAD, 'alleged-perpetrator']], [toMash], 'gmp'),
    ],
    ledger: [
      ledgerRow(1, self.referralId as string, toSchool.deliveryId, 'school', [TYLER], 'disclosed'),
      ledgerRow(3, police.referralId as string, toMash.deliveryId, 'mash', [TYLER, MAISIE, DANIELLE], 'disclosed'),
      ledgerRow(4, police.referralId as string, null, 'victim-support', [TYLER, MAISIE, DANIELLE, DAD], 'not-disclosed'),
    ],
    ledgerCount: 3,
    rights: { state: null, history: [] },
    rectifications: [],
    erasures: [],
    legalHolds: [],
    requests: [],
    evaluationExtracts: [],
    feedback: [],
    feedbackInvitations: [],
    acknowledgements: [],
    messageOptOut: null,
    signpostShares: [],
  };
}

const names = (id: string): string | undefined => ({ school: 'Example School', mash: 'MASH', gp: 'The GP', 'victim-support': 'Victim Support', gmp: 'Greater Manchester Police' })[id];

describe('the subject access export', () => {
  const exported = buildSubjectAccessExport(tylerRecords(), { generatedAt: at, partnerName: names });
  const text = JSON.stringify(exported);

  it('has the documented shape, every ledger row and a passing completeness check', () => {
    expect(exported.format).toBe(SUBJECT_ACCESS_EXPORT_FORMAT);
    expect(exported.subject).toEqual({ hubPersonId: TYLER, linkedByNhsNumber: true });
    expect(exported.disclosures.map((d) => d.seq)).toEqual([1, 3, 4]);
    expect(exported.disclosures[1]).toMatchObject({ outcome: 'disclosed', recipient: { partnerId: 'mash', name: 'MASH' }, purpose: 'early-help-support', lawfulBasis: { art6: 'public-task' }, fieldsSent: ['/people/1/givenName'], channel: 'webhook' });
    expect(exported.completeness).toEqual({
      ledgerRowsForPerson: 3,
      ledgerRowsInExport: 3,
      deliveredWithoutLedgerRow: [],
      disclosuresNotExplained: [],
      erasedReferralsWithoutTombstone: [],
      unreadable: [],
      complete: true,
    });
    expect(exported.disclosures.map((d) => d.about)).toEqual(['referral', 'referral', 'referral']);
    expect(exported).toMatchObject({ rights: { restricted: null, objected: null, safeguardingOverride: null, history: [] }, rectifications: [], erasures: [], legalHolds: [], subjectAccessRequests: [], evaluationExtracts: [], reviewBeforeRelease: [] });
    expect(exported.summary).toMatchObject({ referrals: 2, disclosures: 2, notDisclosed: 1, deliveries: 2, decisions: 2 });
    expect(exported.summary.recipients.map((p) => p.partnerId)).toEqual(['mash', 'school']);
    // Other subjects' hub ids appear nowhere.
    for (const id of [DANIELLE, MAISIE, DAD]) expect(text).not.toContain(id);
  });

  it('shows the person their own details in full', () => {
    const [self, police] = exported.referrals;
    expect(self?.you).toEqual([{ personRef: 'p2', role: 'child', details: { givenName: 'Tyler', familyName: 'Ashworth', dateOfBirth: '2016-09-03', nhsNumber: '9990010013', schoolUrn: '105432', healthConditions: ['Asthma'] } }]);
    expect(police?.you[0]?.details).toMatchObject({ givenName: 'Tyler', nhsNumber: '9990010013' });
  });

  it('contains none of the other people’s names, dates of birth, NHS numbers, phones or emails, in any form', () => {
    for (const canary of ['Danielle', 'danielle', 'Maisie', 'Robert', 'Robert Fictional', '1990-04-12', '12/04/1990', '2020-02-17', '1985-12-11', '9990010005', '9990010021', '+447700900481', '07700 900481', 'danielle.ashworth@example.org', '2 Other Road', 'M1 1AA', 'white-british']) {
      expect(text, canary).not.toContain(canary);
    }
    expect(exported.referrals[0]?.otherPeople).toEqual([
      { personRef: 'p1', role: 'parent', description: 'another person: parent' },
      { personRef: 'p3', role: 'child', description: 'another person: child' },
    ]);
  });

  it('replaces other people’s values in free text and household data, keeping the shared family name and the person’s own', () => {
    const self = exported.referrals[0];
    expect(self?.details.needSummary).toBe(`Tyler is struggling at school. ${REDACTED} says ${REDACTED} is fine; ring ${REDACTED} or see DOB ${REDACTED}.`);
    expect(self?.redactions).toBeGreaterThanOrEqual(5);
    expect(self?.reviewBeforeRelease).toContain('/details/needSummary');
    // The family contact is the mother's mobile: not Tyler's to see. The address is his home.
    expect(self?.family).toMatchObject({ address: { lines: ['14 Fictional Terrace'], postcode: 'M14 5RX' }, contact: { phone: REDACTED, preferredMethod: 'text' }, householdSize: 3 });
    expect(self?.details.referrer).toEqual({ name: 'Mrs C. Example', jobTitle: 'DSL', organisation: 'Example School' });
    expect(self?.withheld).toContainEqual({ pointer: '/details/referrer', reason: 'a professional’s direct contact details' });
    const police = exported.referrals[1];
    // "Fictional" is another person's family name, but the address line is Tyler's own home.
    expect(police?.family).toMatchObject({ address: { lines: ['14 Fictional Terrace'] } });
    expect((police?.details.police as { circumstances: string }).circumstances).toBe(`${REDACTED} shouted at ${REDACTED}; <script>alert(1)</script> officers attended.`);
  });

  it('withholds the parts of a referral that are about someone else', () => {
    const police = exported.referrals[1];
    expect((police?.details.police as { childrenPresent: unknown[] }).childrenPresent).toEqual([{ personRef: 'p1', present: true, voiceOfChild: 'Said he was scared.' }]);
    expect(police?.withheld).toContainEqual({ pointer: '/details/police/childrenPresent', reason: 'about another child in the referral' });
    expect(text).not.toContain('With grandparent');
  });

  it('lists only the deliveries and decisions that carried the person’s data', () => {
    const self = exported.referrals[0];
    expect(self?.deliveries.map((d) => d.recipient.partnerId)).toEqual(['school']);
    expect(self?.decisions.map((d) => d.recipient?.partnerId)).toEqual(['school']);
    expect(text).not.toContain('The GP');
  });

  it('gives a parent neither the child’s school record nor the family address where they do not live; the alleged perpetrator neither address nor contact', () => {
    const records = tylerRecords();
    const police = records.referrals[1] as SubjectAccessReferral;
    const asDad = buildSubjectAccessExport(
      { ...records, personId: DAD, referrals: [{ ...police, personRefs: ['p4'], deliveries: [] }], ledger: [records.ledger[2] as LedgerEntry], ledgerCount: 1 },
      { generatedAt: at, partnerName: names },
    );
    const dadText = JSON.stringify(asDad);
    expect(asDad.referrals[0]?.family.address).toBeUndefined();
    expect(asDad.referrals[0]?.withheld.map((w) => w.pointer)).toEqual(expect.arrayContaining(['/family/address', '/details/police/childrenPresent']));
    for (const canary of ['Tyler', 'Maisie', 'Danielle', '14 Fictional Terrace', 'M14 5RX', '2016-09-03', '9990010013', 'Said he was scared']) expect(dadText, canary).not.toContain(canary);
    expect(asDad.referrals[0]?.you[0]?.details).toMatchObject({ givenName: 'Robert', familyName: 'Fictional', address: { lines: ['2 Other Road'] } });

    const education = { ...selfReferral(), education: { schoolUrn: '105432', attendancePercent: 84.5, voiceOfChild: 'I get tired.' } };
    const asMum = buildSubjectAccessExport(
      { ...records, personId: DANIELLE, referrals: [referral(education, ['p1'], [['p1', DANIELLE, 'parent'], ['p2', TYLER, 'child'], ['p3', MAISIE, 'child']], [])], ledger: [], ledgerCount: 0 },
      { generatedAt: at, partnerName: names },
    );
    expect(asMum.referrals[0]?.details.education).toBeUndefined();
    expect(asMum.referrals[0]?.withheld).toContainEqual({ pointer: '/details/education', reason: 'a child’s school record: about another person in the referral' });
    expect(JSON.stringify(asMum)).not.toContain('I get tired');
    // Her own mobile and the family contact (the same number) are hers to see.
    expect(asMum.referrals[0]?.family).toMatchObject({ contact: { phone: '+447700900481' } });
  });

  it('reports an incomplete export when the ledger and the records disagree', () => {
    const records = tylerRecords();
    const short = buildSubjectAccessExport({ ...records, ledger: records.ledger.slice(1) }, { generatedAt: at, partnerName: names });
    expect(short.completeness).toMatchObject({ ledgerRowsForPerson: 3, ledgerRowsInExport: 2, deliveredWithoutLedgerRow: ['01900000-0000-7000-8000-0000000000c1'], complete: false });
  });

  it('keeps the facts of an erased referral and says its content is gone', () => {
    const records = tylerRecords();
    const self = records.referrals[0] as SubjectAccessReferral;
    const tombstone = {
      id: '01900000-0000-7000-8000-0000000000e1',
      recordClass: 'referral' as const,
      recordId: self.referralId,
      messageId: self.messageId,
      erasedAt: at,
      ruleId: null,
      operatorId: 'dpo',
      runId: null,
      reasonCode: 'art17-request',
      subjects: [TYLER, DANIELLE, MAISIE],
      keysDestroyed: 2,
      payloads: 2,
      deliveriesClosed: 0,
      ledgerEntryId: null,
    };
    const erased = buildSubjectAccessExport({ ...records, referrals: [{ ...self, canonical: null, erasedAt: at }], erasures: [tombstone] }, { generatedAt: at, partnerName: names });
    expect(erased.referrals[0]).toMatchObject({ contentAvailable: false, erasedAt: at.toISOString(), you: [{ personRef: 'p2', role: 'child', details: {} }], details: {}, family: {} });
    expect(erased.erasures).toEqual([
      { tombstoneId: tombstone.id, recordClass: 'referral', recordId: self.referralId, erasedAt: at.toISOString(), reasonCode: 'art17-request', decidedBy: { rule: null, operator: 'dpo' }, retentionRunId: null, ledgerEntryId: null },
    ]);
    expect(erased.completeness).toMatchObject({ erasedReferralsWithoutTombstone: [], unreadable: [] });
    const text = JSON.stringify(erased);
    for (const canary of ['Danielle', DANIELLE, MAISIE]) expect(text, canary).not.toContain(canary);
    expect(renderSubjectAccessHtml(erased)).toContain('The content of this referral was erased');

    // Without its tombstone, or not erased but unreadable, the export says it is incomplete.
    const untombed = buildSubjectAccessExport({ ...records, referrals: [{ ...self, canonical: null, erasedAt: at }] }, { generatedAt: at, partnerName: names });
    expect(untombed.completeness).toMatchObject({ erasedReferralsWithoutTombstone: [self.referralId], complete: false });
    const unreadable = buildSubjectAccessExport({ ...records, referrals: [{ ...self, canonical: null }] }, { generatedAt: at, partnerName: names });
    expect(unreadable.completeness).toMatchObject({ unreadable: [`referral/${self.referralId}`], complete: false });
    expect(renderSubjectAccessHtml(unreadable)).toContain('could not be read when this document was prepared');
  });
});

describe('what else the hub holds about the person', () => {
  const EXTRACT = '01900000-0000-7000-8000-0000000000f1';
  const FEEDBACK = '01900000-0000-7000-8000-0000000000a7';
  const later = new Date('2026-11-28T10:00:00Z');

  function fullRecords(): SubjectAccessRecords {
    const records = tylerRecords();
    const [self, police] = records.referrals as [SubjectAccessReferral, SubjectAccessReferral];
    // A correction of Danielle's field sent to the school under the decision that also sent Tyler's data.
    const danielleCorrection = { ...delivery('01900000-0000-7000-8000-0000000000c9', 'school', [DANIELLE], true), decisionId: self.deliveries[0]?.decisionId as string, purpose: 'rectification' };
    const extractRow = { ...ledgerRow(5, EXTRACT, EXTRACT, 'ons', [TYLER, DANIELLE, MAISIE], 'disclosed'), purpose: 'national-evaluation', channel: 'secure-file-transfer', fields: ['/family_id', '/given_name'] };
    return {
      ...records,
      referrals: [{ ...self, deliveries: [...self.deliveries, danielleCorrection] }, { ...police, canonical: null, erasedAt: later }],
      ledger: [...records.ledger, extractRow],
      ledgerCount: 4,
      rights: {
        state: {
          personId: TYLER,
          restricted: { at: later, by: 'operator' },
          objected: null,
          override: { at: at, by: 'dpo', until: later, historyId: '01900000-0000-7000-8000-0000000000h2', active: false },
          updatedAt: later,
        },
        history: [
          { id: '01900000-0000-7000-8000-0000000000h1', action: 'override', actor: 'dpo', at, overrideUntil: later, reason: 'Danielle was seen near the school on 12/04/1990.' },
          { id: '01900000-0000-7000-8000-0000000000h2', action: 'restrict', actor: 'operator', at: later, overrideUntil: null, reason: 'Danielle phoned on 07700 900481: Tyler wants sharing stopped.' },
        ],
      },
      rectifications: [
        {
          rectificationId: '01900000-0000-7000-8000-0000000000r1',
          referralId: self.referralId,
          personRef: 'p2',
          pointer: '/preferredName',
          reasonCategory: 'data-subject-request',
          actor: 'operator',
          at: later,
          detail: { reason: 'Tyler asked; Maisie says he is called Ty.', oldValue: null, newValue: 'Ty' },
          recipients: [
            { deliveryId: '01900000-0000-7000-8000-0000000000c8', recipientPartnerId: 'school', channel: 'webhook', status: 'delivered', attempts: 1, lastErrorCode: null, deliveredAt: later, rectifiesDeliveryId: self.deliveries[0]?.deliveryId as string },
          ],
        },
        { rectificationId: '01900000-0000-7000-8000-0000000000r2', referralId: police.referralId, personRef: 'p1', pointer: '/dateOfBirth', reasonCategory: 'recording-error', actor: 'dpo', at, detail: 'erased', recipients: [] },
        // A mix-up corrected: the mother's mobile had been recorded as Tyler's.
        {
          rectificationId: '01900000-0000-7000-8000-0000000000r3',
          referralId: self.referralId,
          personRef: 'p2',
          pointer: '/contact/phone',
          reasonCategory: 'recording-error',
          actor: 'operator',
          at: later,
          detail: { reason: 'Wrong number', oldValue: '+447700900481', newValue: null },
          recipients: [],
        },
        // A family name he shares with his mother stays: it is his own too.
        { rectificationId: '01900000-0000-7000-8000-0000000000r4', referralId: self.referralId, personRef: 'p2', pointer: '/familyName', reasonCategory: 'other', actor: 'operator', at: later, detail: { reason: 'Typo', oldValue: 'Ashworth', newValue: 'Ashworth' }, recipients: [] },
      ],
      erasures: [
        {
          id: '01900000-0000-7000-8000-0000000000e2',
          recordClass: 'referral',
          recordId: police.referralId,
          messageId: police.messageId,
          erasedAt: later,
          ruleId: 'family-records',
          operatorId: null,
          runId: '01900000-0000-7000-8000-0000000000e3',
          reasonCode: 'retention-period-ended',
          subjects: [TYLER, MAISIE, DANIELLE, DAD],
          keysDestroyed: 2,
          payloads: 1,
          deliveriesClosed: 0,
          ledgerEntryId: null,
        },
      ],
      legalHolds: [
        { id: '01900000-0000-7000-8000-0000000000l1', scope: 'person', targetId: TYLER, reason: 'Matter M-17 (Danielle Ashworth v council)', placedBy: 'dpo', placedAt: at, releasedAt: later, releasedBy: 'admin', releaseReason: 'Matter closed' },
        { id: '01900000-0000-7000-8000-0000000000l2', scope: 'referral', targetId: self.referralId, reason: 'Case C-9', placedBy: 'dpo', placedAt: later, releasedAt: null, releasedBy: null, releaseReason: null },
      ],
      requests: [
        {
          id: '01900000-0000-7000-8000-0000000000s1',
          personId: TYLER,
          receivedOn: '2026-11-02',
          dueOn: '2026-12-02',
          extendedDueOn: '2027-02-02',
          extensionMonths: 2,
          extensionReason: 'complex',
          extensionNote: 'three sources',
          requesterToldOn: '2026-11-20',
          effectiveDueOn: '2027-02-02',
          status: 'open',
          completedAt: null,
          completedBy: null,
          createdBy: 'dpo',
          createdAt: at,
        },
      ],
      evaluationExtracts: [
        {
          extractId: EXTRACT,
          periodFrom: '2026-10-01',
          periodTo: '2026-11-01',
          createdAt: at,
          createdBy: 'dpo',
          recipientPartnerId: 'ons',
          purpose: 'national-evaluation',
          art6: 'public-task',
          fileName: 'x.csv',
          csvSha256: 'd'.repeat(64),
          ledgerEntryId: extractRow.id,
        },
      ],
      feedback: [
        { feedbackId: FEEDBACK, submittedAt: later, serviceType: 'social-care', ratings: { overall: 4, listened: 5 }, comment: 'Danielle came too; the worker was kind.', commentErased: false, commentUnreadable: false },
        { feedbackId: '01900000-0000-7000-8000-0000000000a8', submittedAt: later, serviceType: 'counselling', ratings: { helpful: 2 }, comment: null, commentErased: true, commentUnreadable: false },
      ],
      feedbackInvitations: [
        invitation('01900000-0000-7000-8000-0000000000i1', self.referralId, TYLER),
        // Sent to his mother: listed, but neither her id nor whether she answered.
        invitation('01900000-0000-7000-8000-0000000000i2', self.referralId, DANIELLE),
        { ...invitation('01900000-0000-7000-8000-0000000000i3', police.referralId, null), decision: 'suppressed', reasonCode: 'CONTACT_UNSAFE', channel: null, status: 'suppressed', outcomeCode: null, finishedAt: null, tokenExpiresAt: null, tokenUsedAt: null },
      ],
      acknowledgements: [
        { acknowledgementId: '01900000-0000-7000-8000-0000000000k1', referralId: self.referralId, decision: 'queued', reasonCode: 'SMS', channel: 'sms', status: 'sent', outcomeCode: 'delivered', notificationId: '01900000-0000-7000-8000-0000000000n1', attempts: 1, decidedAt: at, finishedAt: at },
      ],
      messageOptOut: { personId: TYLER, optedOutAt: later, source: 'console', recordedBy: 'operator' },
      signpostShares: [
        { shareId: '01900000-0000-7000-8000-0000000000g1', referralId: self.referralId, serviceId: 'svc-young-carers', serviceName: 'Young Carers Group', serviceUrl: 'https://directory.example/services/svc-young-carers', operatorId: 'operator', sharedAt: later },
      ],
    };
  }

  function invitation(invitationId: string, referralId: string, personId: string | null): SubjectAccessRecords['feedbackInvitations'][number] {
    return {
      invitationId,
      referralId,
      deliveryId: '01900000-0000-7000-8000-0000000000d1',
      serviceType: 'social-care',
      postcodeDistrict: 'M14',
      decision: 'scheduled',
      reasonCode: 'EMAIL',
      channel: 'email',
      status: 'sent',
      outcomeCode: 'delivered',
      notificationId: '01900000-0000-7000-8000-0000000000n2',
      attempts: 1,
      decidedAt: at,
      dueAt: later,
      finishedAt: later,
      personId,
      tokenExpiresAt: new Date('2026-12-12T10:00:00Z'),
      tokenUsedAt: new Date('2026-11-29T08:00:00Z'),
    };
  }

  const exported = buildSubjectAccessExport(fullRecords(), { generatedAt: at, partnerName: (id) => (id === 'ons' ? 'ONS national evaluation' : names(id)) });
  const text = JSON.stringify(exported);
  const page = renderSubjectAccessHtml(exported);

  it('lists the flags and their history, with the reasons staff typed redacted and marked for review', () => {
    expect(exported.rights).toMatchObject({
      restricted: { since: later.toISOString(), by: 'operator' },
      objected: null,
      safeguardingOverride: { since: at.toISOString(), by: 'dpo', until: later.toISOString(), active: false },
    });
    expect(exported.rights.history.map((h) => [h.action, h.by, h.reason])).toEqual([
      ['override', 'dpo', `${REDACTED} was seen near the school on ${REDACTED}.`],
      ['restrict', 'operator', `${REDACTED} phoned on ${REDACTED}: Tyler wants sharing stopped.`],
    ]);
    expect(exported.rights.history[0]?.description).toContain('Safeguarding override');
    expect(exported.reviewBeforeRelease).toEqual(expect.arrayContaining(['/rights/history/0/reason', '/rights/history/1/reason']));
    expect(exported.summary).toMatchObject({ restricted: true, objected: false });
  });

  it('cannot recognise in staff text a person known only from an erased referral, so the DPO reads it', () => {
    const records = fullRecords();
    const change = { ...(records.rights.history[0] as SubjectAccessRecords['rights']['history'][number]), reason: 'Robert was seen near the school.' };
    const out = buildSubjectAccessExport({ ...records, rights: { ...records.rights, history: [change] } }, { generatedAt: at, partnerName: names });
    expect(out.rights.history[0]?.reason).toBe('Robert was seen near the school.');
    expect(out.reviewBeforeRelease).toContain('/rights/history/0/reason');
  });

  it('lists corrections with their values while the referral can be read, and the recipients told', () => {
    const [kept, gone] = exported.rectifications;
    expect(kept).toMatchObject({
      field: '/preferredName',
      reasonCategory: 'data-subject-request',
      valuesAvailable: true,
      oldValue: null,
      newValue: 'Ty',
      reason: `Tyler asked; ${REDACTED} says he is called Ty.`,
      recipients: [{ recipient: { partnerId: 'school', name: 'Example School' }, status: 'delivered', deliveredAt: later.toISOString() }],
    });
    expect(gone).toMatchObject({ field: '/dateOfBirth', valuesAvailable: false, valuesUnavailableBecause: 'erased', oldValue: null, newValue: null, reason: null });
    expect(exported.reviewBeforeRelease).toContain('/rectifications/0/reason');
    expect(exported.rectifications[2]).toMatchObject({ field: '/contact/phone', oldValue: REDACTED, newValue: null });
    expect(exported.reviewBeforeRelease).toContain('/rectifications/2/oldValue');
    expect(exported.rectifications[3]).toMatchObject({ oldValue: 'Ashworth', newValue: 'Ashworth' });
    expect(exported.reviewBeforeRelease).not.toContain('/rectifications/3/oldValue');
  });

  it('keeps a decision that carried the person’s data when a correction of someone else’s field went under it', () => {
    const self = exported.referrals[0];
    expect(self?.decisions.map((d) => d.recipient?.partnerId)).toEqual(['school']);
    expect(self?.deliveries.map((d) => d.deliveryId)).toEqual(['01900000-0000-7000-8000-0000000000c1']);
  });

  it('says which records were erased, when and by what, never what they held or who else was in them', () => {
    expect(exported.erasures).toEqual([
      {
        tombstoneId: '01900000-0000-7000-8000-0000000000e2',
        recordClass: 'referral',
        recordId: '01900000-0000-7000-8000-0000000000a2',
        erasedAt: later.toISOString(),
        reasonCode: 'retention-period-ended',
        decidedBy: { rule: 'family-records', operator: null },
        retentionRunId: '01900000-0000-7000-8000-0000000000e3',
        ledgerEntryId: null,
      },
    ]);
    expect(exported.referrals[1]).toMatchObject({ contentAvailable: false, erasedAt: later.toISOString() });
    expect(exported.summary.erasedReferrals).toBe(1);
  });

  it('lists legal holds and subject access requests, staff text marked for review', () => {
    expect(exported.legalHolds).toMatchObject([
      { covers: 'person', referralId: null, reason: `Matter M-17 (${REDACTED} v council)`, active: false, releasedBy: 'admin', releaseReason: 'Matter closed' },
      { covers: 'referral', referralId: '01900000-0000-7000-8000-0000000000a1', reason: 'Case C-9', active: true, releasedAt: null },
    ]);
    expect(exported.subjectAccessRequests).toEqual([
      {
        id: '01900000-0000-7000-8000-0000000000s1',
        receivedOn: '2026-11-02',
        dueOn: '2026-12-02',
        extendedDueOn: '2027-02-02',
        extensionMonths: 2,
        extensionReason: 'complex',
        extensionNote: 'three sources',
        requesterToldOn: '2026-11-20',
        status: 'open',
        completedAt: null,
      },
    ]);
    expect(exported.reviewBeforeRelease).toEqual(expect.arrayContaining(['/legalHolds/0/reason', '/legalHolds/0/releaseReason', '/legalHolds/1/reason', '/subjectAccessRequests/0/extensionNote']));
  });

  it('presents the extract’s ledger row as a national evaluation extract, with its period and purpose', () => {
    expect(exported.disclosures.map((d) => d.about)).toEqual(['referral', 'referral', 'referral', 'national-evaluation-extract']);
    expect(exported.evaluationExtracts).toEqual([
      {
        extractId: EXTRACT,
        createdAt: at.toISOString(),
        periodFrom: '2026-10-01',
        periodTo: '2026-11-01',
        recipient: { partnerId: 'ons', name: 'ONS national evaluation' },
        purpose: 'national-evaluation',
        lawfulBasis: { art6: 'public-task' },
        fieldsSent: ['/family_id', '/given_name'],
        channel: 'secure-file-transfer',
        csvSha256: 'd'.repeat(64),
        ledgerEntryId: '01900000-0000-7000-9000-000000000005',
        ledgerSeq: 5,
      },
    ]);
    expect(exported.completeness).toMatchObject({ ledgerRowsForPerson: 4, ledgerRowsInExport: 4, disclosuresNotExplained: [], erasedReferralsWithoutTombstone: [], unreadable: [], complete: true });
    // A ledger row about neither a referral nor an extract listed here is a completeness failure.
    const records = fullRecords();
    const orphan = buildSubjectAccessExport({ ...records, evaluationExtracts: [] }, { generatedAt: at, partnerName: names });
    expect(orphan.completeness).toMatchObject({ disclosuresNotExplained: ['01900000-0000-7000-9000-000000000005'], complete: false });
    const unreadable = buildSubjectAccessExport(
      { ...records, rights: { ...records.rights, history: [{ ...(records.rights.history[0] as SubjectAccessRecords['rights']['history'][number]), reason: null }] } },
      { generatedAt: at, partnerName: names },
    );
    expect(unreadable.completeness).toMatchObject({ unreadable: ['rights-history/01900000-0000-7000-8000-0000000000h1'], complete: false });
  });

  it('lists the person’s feedback, their words redacted for review, and says when a comment was erased', () => {
    expect(exported.feedback).toEqual([
      { feedbackId: FEEDBACK, submittedAt: later.toISOString(), serviceType: 'social-care', ratings: { overall: 4, listened: 5 }, comment: `${REDACTED} came too; the worker was kind.`, commentErased: false },
      { feedbackId: '01900000-0000-7000-8000-0000000000a8', submittedAt: later.toISOString(), serviceType: 'counselling', ratings: { helpful: 2 }, comment: null, commentErased: true },
    ]);
    expect(exported.reviewBeforeRelease).toContain('/feedback/0/comment');
    expect(exported.summary).toMatchObject({ feedbackAnswers: 2, acknowledgements: 1, feedbackInvitations: 3, messageOptOut: true, signpostShares: 1 });
    expect(exported.completeness.complete).toBe(true);
    const unreadable = buildSubjectAccessExport(
      { ...fullRecords(), feedback: [{ feedbackId: FEEDBACK, submittedAt: later, serviceType: 'social-care', ratings: { overall: 1 }, comment: null, commentErased: false, commentUnreadable: true }] },
      { generatedAt: at, partnerName: names },
    );
    expect(unreadable.completeness).toMatchObject({ unreadable: [`feedback/${FEEDBACK}`], complete: false });
  });

  it('lists messages about the person’s referrals by code, date and status: never a token, another person’s id, or whether they answered', () => {
    expect(exported.acknowledgements).toEqual([
      { acknowledgementId: '01900000-0000-7000-8000-0000000000k1', referralId: '01900000-0000-7000-8000-0000000000a1', decision: 'queued', reasonCode: 'SMS', channel: 'sms', status: 'sent', outcomeCode: 'delivered', decidedAt: at.toISOString(), finishedAt: at.toISOString() },
    ]);
    const [toTyler, toMum, suppressed] = exported.feedbackInvitations;
    expect(toTyler).toMatchObject({ addressedToYou: true, status: 'sent', linkExpiresAt: '2026-12-12T10:00:00.000Z', linkUsedAt: '2026-11-29T08:00:00.000Z' });
    expect(toMum).toMatchObject({ addressedToYou: false, status: 'sent', linkExpiresAt: null, linkUsedAt: null });
    expect(suppressed).toMatchObject({ addressedToYou: false, decision: 'suppressed', reasonCode: 'CONTACT_UNSAFE', channel: null });
    for (const key of ['personId', 'notificationId', 'token', 'tokenSha256']) expect(Object.keys(toTyler ?? {})).not.toContain(key);
    expect(exported.messageOptOut).toEqual({ since: later.toISOString(), source: 'console', recordedBy: 'operator' });
    expect(exported.signpostShares).toEqual([
      {
        shareId: '01900000-0000-7000-8000-0000000000g1',
        referralId: '01900000-0000-7000-8000-0000000000a1',
        service: { id: 'svc-young-carers', name: 'Young Carers Group', url: 'https://directory.example/services/svc-young-carers' },
        sharedBy: 'operator',
        sharedAt: later.toISOString(),
      },
    ]);
    expect(page).toContain('<h2>Your feedback about services</h2>');
    expect(page).toContain(`<span class="review">${REDACTED} came too; the worker was kind.</span>`);
    expect(page).toContain('<h2>Messages to your family</h2>');
    expect(page).toContain('Not sent: it was not safe to contact the family');
    expect(page).toContain('You asked to get no messages from the hub');
    expect(page).toContain('<h2>Services suggested to your family</h2>');
    expect(page).toContain('Young Carers Group');
  });

  it('names no other person, by value or by hub id, anywhere', () => {
    for (const canary of ['Danielle', 'Maisie', 'Robert', 'Danielle Ashworth', '12/04/1990', '07700 900481', '+447700900481', DANIELLE, MAISIE, DAD]) {
      expect(text, canary).not.toContain(canary);
      expect(page, canary).not.toContain(canary);
    }
  });

  it('shows each section in the document, staff text highlighted for review', () => {
    for (const heading of [
      'Restriction, objection and safeguarding decisions',
      'Corrections to your information',
      'Records erased',
      'Legal holds',
      'Your subject access requests',
      'National evaluation (research) extracts',
    ]) {
      expect(page).toContain(`<h2>${heading}</h2>`);
    }
    expect(page).toContain('National evaluation extract (research)');
    expect(page).toContain('its retention period ended');
    expect(page).toContain('retention rule <code>family-records</code>');
    expect(page).toContain('<span class="review">Case C-9</span>');
    expect(page).toContain('erased with the referral');
    expect(page).toContain('1 October 2026 up to 1 November 2026');
    expect(page).toContain('Nothing is missing.');
    expect(page).not.toMatch(/undefined|\[object Object\]|NaN/);
  });
});

describe('the export as a document', () => {
  const exported = buildSubjectAccessExport(tylerRecords(), { generatedAt: at, partnerName: names });
  const page = renderSubjectAccessHtml(exported);

  it('is one self-contained, escaped HTML page whose only style is allowed by its CSP', () => {
    expect(page).toMatch(/^<!doctype html>\n<html lang="en-GB">/);
    expect(page.match(/<h1[\s>]/g)).toHaveLength(1);
    expect(page).not.toMatch(/<script|<link|<img|src=|href=/i);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const style = /<style>([\s\S]*?)<\/style>/.exec(page)?.[1] as string;
    expect(SUBJECT_ACCESS_HTML_CSP).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    expect(page).not.toMatch(/undefined|\[object Object\]|NaN/);
  });

  it('shows the person’s details, every disclosure and the completeness check, and none of the other people', () => {
    expect(page).toContain('Tyler');
    expect(page).toContain('9990010013');
    for (const seq of ['MASH', 'Example School', 'Victim Support']) expect(page).toContain(seq);
    expect(page).toContain('this document lists 3');
    expect(page).toContain('Nothing is missing.');
    expect(page).toContain('another person: parent');
    for (const canary of ['Danielle', 'Maisie', 'Robert', '1990-04-12', '9990010005', '+447700900481']) expect(page, canary).not.toContain(canary);
    expect(page).toContain('class="review"');
    expect(page).toContain('Save as PDF');
  });
});
