import { Webhook } from 'standardwebhooks';
import type { Partner } from '@hub/config';

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Verifies Standard Webhooks signatures with the `standardwebhooks` package. Verifier objects
 * are built once per secret (decoding a secret on every request is wasted work), and an
 * unknown partner is checked against a throwaway secret so that it costs the same time as a
 * known partner with a wrong signature.
 */
export class SignatureVerifier {
  private readonly byPartner = new Map<string, Webhook[]>();
  private readonly decoy = new Webhook(Buffer.alloc(32, 0x5a).toString('base64'));

  constructor(partners: readonly Partner[]) {
    for (const partner of partners) this.byPartner.set(partner.id, partner.secrets.map((s) => new Webhook(s)));
  }

  verify(partnerId: string | undefined, body: Buffer, headers: WebhookHeaders): boolean {
    const verifiers = (partnerId !== undefined && this.byPartner.get(partnerId)) || [this.decoy];
    let ok = false;
    for (const verifier of verifiers) {
      try {
        verifier.verify(body, headers, { jsonParse: false });
        ok = true;
      } catch {
        // try the next secret: two are configured during a rotation
      }
    }
    return ok && partnerId !== undefined && this.byPartner.has(partnerId);
  }
}
