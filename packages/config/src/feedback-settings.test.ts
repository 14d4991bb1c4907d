import { describe, expect, it } from 'vitest';
import { DEMO_NOTIFY, loadSettings } from './settings.ts';

const PRODUCTION = { HUB_MODE: 'production', HUB_MASTER_KEYS: 'k1:nBjdh/zMiVy2FsCUi54+j6Hp0cy/2hdZ4svY3ctT3K0=' };
const NOTIFY = {
  NOTIFY_BASE_URL: 'https://api.notifications.service.gov.uk',
  NOTIFY_API_KEY: `live-${DEMO_NOTIFY.serviceId}-${DEMO_NOTIFY.secret}`,
  NOTIFY_ACK_EMAIL_TEMPLATE_ID: DEMO_NOTIFY.acknowledgementEmailTemplateId,
  NOTIFY_ACK_SMS_TEMPLATE_ID: DEMO_NOTIFY.acknowledgementSmsTemplateId,
  NOTIFY_FEEDBACK_EMAIL_TEMPLATE_ID: DEMO_NOTIFY.feedbackEmailTemplateId,
  NOTIFY_FEEDBACK_SMS_TEMPLATE_ID: DEMO_NOTIFY.feedbackSmsTemplateId,
};

describe('feedback invitation and acknowledgement hold settings', () => {
  it('defaults: 14 days until the invitation, a 28-day link, the demo form on the gateway, demo templates, no hold', () => {
    const problems: string[] = [];
    const s = loadSettings({ GATEWAY_PORT: '8181' }, problems);
    expect(problems).toEqual([]);
    expect(s.feedback).toEqual({ delayMs: 14 * 24 * 3600_000, tokenTtlDays: 28, formUrl: 'http://127.0.0.1:8181/feedback' });
    expect(s.notify).toMatchObject({ acknowledgementHoldMs: 0, feedbackEmailTemplateId: DEMO_NOTIFY.feedbackEmailTemplateId, feedbackSmsTemplateId: DEMO_NOTIFY.feedbackSmsTemplateId });
  });

  it('reads the delay and hold in minutes (decimals for tests), the link lifetime in days and the form URL', () => {
    const problems: string[] = [];
    const s = loadSettings({ HUB_FEEDBACK_DELAY_MINUTES: '0.025', NOTIFY_ACK_HOLD_MINUTES: '2', HUB_FEEDBACK_TOKEN_TTL_DAYS: '7', HUB_FEEDBACK_FORM_URL: 'https://council.example.gov.uk/feedback?x=1' }, problems);
    expect(problems).toEqual([]);
    expect(s.feedback).toEqual({ delayMs: 1500, tokenTtlDays: 7, formUrl: 'https://council.example.gov.uk/feedback?x=1' });
    expect(s.notify?.acknowledgementHoldMs).toBe(120_000);
  });

  it('production with Notify requires an https form URL and the feedback templates; problems name the variable, never the value', () => {
    const missing: string[] = [];
    const { NOTIFY_FEEDBACK_EMAIL_TEMPLATE_ID: _e, NOTIFY_FEEDBACK_SMS_TEMPLATE_ID: _s, ...withoutTemplates } = NOTIFY;
    expect(loadSettings({ ...PRODUCTION, ...withoutTemplates }, missing).feedback.formUrl).toBeUndefined();
    expect(missing).toEqual([
      'NOTIFY_FEEDBACK_EMAIL_TEMPLATE_ID must be a Notify template id (uuid)',
      'NOTIFY_FEEDBACK_SMS_TEMPLATE_ID must be a Notify template id (uuid)',
      "HUB_FEEDBACK_FORM_URL is required when Notify is configured: the https:// address of the council's feedback form",
    ]);

    const bad: string[] = [];
    loadSettings({ ...PRODUCTION, ...NOTIFY, HUB_FEEDBACK_FORM_URL: 'http://council.example.gov.uk/form?SECRET', HUB_FEEDBACK_DELAY_MINUTES: '14 days', HUB_FEEDBACK_TOKEN_TTL_DAYS: '0', NOTIFY_ACK_HOLD_MINUTES: '-1' }, bad);
    expect(bad).toEqual([
      'NOTIFY_ACK_HOLD_MINUTES must be a number of minutes (e.g. 20160, or 0.05 for 3 seconds)',
      'HUB_FEEDBACK_FORM_URL must be an https:// URL',
      'HUB_FEEDBACK_DELAY_MINUTES must be a number of minutes (e.g. 20160, or 0.05 for 3 seconds)',
      'HUB_FEEDBACK_TOKEN_TTL_DAYS must be between 1 and 366',
    ]);
    expect(bad.join(' ')).not.toContain('SECRET');

    const fragment: string[] = [];
    loadSettings({ ...PRODUCTION, ...NOTIFY, HUB_FEEDBACK_FORM_URL: 'https://council.example.gov.uk/form#x' }, fragment);
    expect(fragment).toEqual(['HUB_FEEDBACK_FORM_URL must not have a #fragment: the hub puts the token there']);

    const ok: string[] = [];
    expect(loadSettings({ ...PRODUCTION, ...NOTIFY, HUB_FEEDBACK_FORM_URL: 'https://council.example.gov.uk/form' }, ok).feedback.formUrl).toBe('https://council.example.gov.uk/form');
    expect(ok).toEqual([]);
  });

  it('production without Notify needs no form URL (nothing is sent)', () => {
    const problems: string[] = [];
    const s = loadSettings({ ...PRODUCTION }, problems);
    expect(problems).toEqual([]);
    expect(s.notify).toBeUndefined();
    expect(s.feedback.formUrl).toBeUndefined();
  });
});
