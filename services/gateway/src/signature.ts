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
 * unknown partner is checked against a throwaway secret so that it costs about the same time
 * as a known partner with a wrong signature. During a rotation the secret that matched last
 * is tried first, so a partner's normal request costs one HMAC, not two.
 */
export class SignatureVerifier {
  private readonly byPartner = new Map<string, Webhook[]>();
  private readonly decoy = new Webhook(Buffer.alloc(32, 0x5a).toString('base64'));

  constructor(partners: readonly Partner[]) {
    for (const partner of partners) this.byPartner.set(partner.id, partner.secrets.map((s) => new Webhook(s)));
  }

  verify(partnerId: string | undefined, body: Buffer, headers: WebhookHeaders): boolean {
    const known = partnerId !== undefined ? this.byPartner.get(partnerId) : undefined;
    const verifiers = known ?? [this.decoy];
    for (let i = 0; i < verifiers.length; i += 1) {
      try {
        (verifiers[i] as Webhook).verify(body, headers, { jsonParse: false });
      } catch {
        continue; // the other secret, during a rotation
      }
      if (!known) return false;
      if (i > 0) known.unshift(...known.splice(i, 1));
      return true;
    }
    return false;
  }
}
