import type { CanonicalReferral } from '@hub/domain';
import { describe, expect, it } from 'vitest';
import { expiryDateText, sendFeedbackInvitation } from './feedback-invitation.ts';
import type { NotifyClient, SendEmailRequest, SendSmsRequest } from './notify-client.ts';

const PARENT = '0190a6b2-1111-7000-8000-000000000002';
const TEMPLATES = { emailTemplateId: 'e0000000-0000-4000-8000-000000000001', smsTemplateId: 'e0000000-0000-4000-8000-000000000002' };

function referral(): CanonicalReferral {
  return {
    referralId: '0f8fad5b-d9cb-469f-a165-70867728950e',
    sourceType: 'family.self-referral.submitted',
    family: { contactSafe: true },
    people: [{ personRef: 'p1', hubPersonId: PARENT, role: 'parent', givenName: 'Al', familyName: 'Secret-Surname', contact: { email: 'al@example.org', phone: '+447700900002', preferredMethod: 'text' } }],
  } as unknown as CanonicalReferral;
}

function recordingClient(): NotifyClient & { sent: (SendEmailRequest | SendSmsRequest)[] } {
  const sent: (SendEmailRequest | SendSmsRequest)[] = [];
  return {
    sent,
    sendEmail: async (req) => (sent.push(req), { kind: 'sent', status: 201, notificationId: 'n1' }),
    sendSms: async (req) => (sent.push(req), { kind: 'sent', status: 201, notificationId: 'n2' }),
  };
}

describe('sendFeedbackInvitation', () => {
  it('prepares the link for the chosen person, then sends first name, link and expiry date only', async () => {
    const client = recordingClient();
    const prepared: string[] = [];
    const expiresAt = new Date('2026-04-11T23:30:00.000Z'); // 12 April in London (BST)
    const result = await sendFeedbackInvitation(client, TEMPLATES, referral(), {
      reference: 'a0000000-0000-4000-8000-000000000009',
      checks: { rights: new Map(), optedOut: [] },
      prepare: async (recipient) => {
        prepared.push(`${recipient.personRef}/${recipient.hubPersonId}`);
        return { link: 'https://council.example/feedback#token=abc', expiresAt };
      },
    });
    expect(result).toEqual({ kind: 'attempted', channel: 'sms', outcome: { kind: 'sent', status: 201, notificationId: 'n2' } });
    expect(prepared).toEqual([`p1/${PARENT}`]);
    expect(client.sent).toEqual([
      { templateId: TEMPLATES.smsTemplateId, phoneNumber: '+447700900002', reference: 'a0000000-0000-4000-8000-000000000009', personalisation: { first_name: 'Al', link: 'https://council.example/feedback#token=abc', expiry_date: '12 April 2026' } },
    ]);
    expect(JSON.stringify(client.sent)).not.toContain('Secret-Surname');
  });

  it('neither prepares a token nor sends when the family must not be written to', async () => {
    const client = recordingClient();
    let prepared = 0;
    const result = await sendFeedbackInvitation(client, TEMPLATES, referral(), {
      reference: 'a0000000-0000-4000-8000-000000000009',
      checks: { rights: new Map(), optedOut: [PARENT] },
      prepare: async () => {
        prepared += 1;
        return { link: 'x', expiresAt: new Date() };
      },
    });
    expect(result).toEqual({ kind: 'suppressed', reasonCode: 'OPTED_OUT' });
    expect(prepared).toBe(0);
    expect(client.sent).toEqual([]);
  });

  it('writes the expiry as a plain London date', () => {
    expect(expiryDateText(new Date('2026-01-31T23:59:00.000Z'))).toBe('31 January 2026');
    expect(expiryDateText(new Date('2026-06-30T23:30:00.000Z'))).toBe('1 July 2026');
  });
});
