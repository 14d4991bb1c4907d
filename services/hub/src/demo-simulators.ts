import type { HubConfig } from '@hub/config';
import { startFhirServer, startSmtpSink, startWebhookSink, type FhirServer, type SmtpSink, type WebhookSink } from '@hub/testing';

export interface DemoSimulators {
  webhook: WebhookSink;
  fhir: FhirServer;
  smtp: SmtpSink;
  close(): Promise<void>;
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
  return {
    webhook,
    fhir,
    smtp,
    async close() {
      await Promise.all([webhook.close(), fhir.close(), smtp.close()]);
    },
  };
}
