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
    expect(exported.completeness).toEqual({ ledgerRowsForPerson: 3, ledgerRowsInExport: 3, deliveredWithoutLedgerRow: [], complete: true });
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
    expect(short.completeness).toEqual({ ledgerRowsForPerson: 3, ledgerRowsInExport: 2, deliveredWithoutLedgerRow: ['01900000-0000-7000-8000-0000000000c1'], complete: false });
  });

  it('keeps the facts of an erased referral and says its content is gone', () => {
    const records = tylerRecords();
    const erased = buildSubjectAccessExport({ ...records, referrals: [{ ...(records.referrals[0] as SubjectAccessReferral), canonical: null }] }, { generatedAt: at, partnerName: names });
    expect(erased.referrals[0]).toMatchObject({ contentAvailable: false, you: [{ personRef: 'p2', role: 'child', details: {} }], details: {}, family: {} });
    expect(JSON.stringify(erased)).not.toContain('Danielle');
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
