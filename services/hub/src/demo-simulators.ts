import { parseNotifyApiKey } from '@hub/adapters';
import { DEMO_NOTIFY, type HubConfig } from '@hub/config';
import { startFhirServer, startNotifySimulator, startSmtpSink, startWebhookSink, type FhirServer, type NotifySimulator, type NotifyTemplate, type SmtpSink, type WebhookSink } from '@hub/testing';

export interface DemoSimulators {
  webhook: WebhookSink;
  fhir: FhirServer;
  smtp: SmtpSink;
  /** GOV.UK Notify stand-in: acknowledgements to families who self-refer, and feedback invitations. */
  notify: NotifySimulator;
  close(): Promise<void>;
}

/**
 * The demo's Notify templates (as a council would set them up in Notify's web interface): the
 * self-referral acknowledgement and, when its ids are given, the feedback invitation.
 */
export function demoNotifyTemplates(emailTemplateId: string, smsTemplateId: string, feedback?: { emailTemplateId: string; smsTemplateId: string }): Record<string, NotifyTemplate> {
  return {
    ...(feedback
      ? {
          [feedback.emailTemplateId]: {
            type: 'email' as const,
            subject: 'How was the support you received?',
            body: 'Dear ((first_name)),\n\nWe would like to know how the support you were offered went. It takes two minutes and you do not have to answer:\n\n((link))\n\nThe link works once, until ((expiry_date)).',
          },
          [feedback.smsTemplateId]: { type: 'sms' as const, body: 'Hi ((first_name)), how was the support you received? Tell us (optional) by ((expiry_date)): ((link))' },
        }
      : {}),
    [emailTemplateId]: {
      type: 'email',
      subject: 'We have received your request for support',
      body: 'Dear ((first_name)),\n\nThank you for asking for early help. We have received your request and someone will be in touch. Your reference is ((reference)).\n\n((links))',
    },
    [smsTemplateId]: { type: 'sms', body: 'Hi ((first_name)), we have received your request for early help. Your reference is ((reference)). ((links))' },
  };
}

function portOf(url: string | undefined, fallback: number): number {
  if (!url) return fallback;
  const port = new URL(url).port;
  return port ? Number(port) : fallback;
}

/**
 * The simulated partner agencies of the demo: a Standard Webhooks receiver that checks each
 * partner's signature, a FHIR endpoint that validates Bundles, and an SMTP mailbox — so a
 * newcomer running `pnpm start` sees referrals arrive. Ports follow the SIMULATOR_* variables
 * that the demo partner registry reads.
 */
export async function startDemoSimulators(config: HubConfig, env: Record<string, string | undefined>): Promise<DemoSimulators> {
  const webhook = await startWebhookSink({
    port: portOf(env.SIMULATOR_WEBHOOK_BASE_URL, 4010),
    secrets: (partnerId) => {
      const delivery = config.partners.get(partnerId)?.delivery;
      return delivery && 'secret' in delivery && delivery.secret ? [delivery.secret] : undefined;
    },
  });
  const fhir = await startFhirServer({ port: portOf(env.SIMULATOR_FHIR_BASE_URL, 4011) });
  const smtp = await startSmtpSink({ port: portOf(env.SIMULATOR_SMTP_URL, 4025) });
  // The hub's configured key when it points at the simulator; else the published demo service.
  const notifySettings = config.settings.notify;
  const key = notifySettings ? parseNotifyApiKey(notifySettings.apiKey) : { serviceId: DEMO_NOTIFY.serviceId, secret: DEMO_NOTIFY.secret };
  const notify = await startNotifySimulator({
    port: portOf(notifySettings?.baseUrl ?? env.SIMULATOR_NOTIFY_BASE_URL, 4012),
    serviceId: key.serviceId,
    apiKeySecret: key.secret,
    templates: demoNotifyTemplates(notifySettings?.acknowledgementEmailTemplateId ?? DEMO_NOTIFY.acknowledgementEmailTemplateId, notifySettings?.acknowledgementSmsTemplateId ?? DEMO_NOTIFY.acknowledgementSmsTemplateId, {
      emailTemplateId: notifySettings?.feedbackEmailTemplateId ?? DEMO_NOTIFY.feedbackEmailTemplateId,
      smsTemplateId: notifySettings?.feedbackSmsTemplateId ?? DEMO_NOTIFY.feedbackSmsTemplateId,
    }),
  });
  return {
    webhook,
    fhir,
    smtp,
    notify,
    async close() {
      await Promise.all([webhook.close(), fhir.close(), smtp.close(), notify.close()]);
    },
  };
}
