// Signposting shares (issue 6, part 2): an operator's record that a suggested directory service
// was shared with a family. Ids, the service's public name and URL, the operator and the time only.
import { requireDate, requireText, requireUuid, isUuid } from './checks.ts';
import type { Db } from './db.ts';
import type { SignpostShare, SignpostShareInput, SignpostingStore } from './types.ts';
import { uuidv7 } from './uuid.ts';

const SERVICE_ID = /^[A-Za-z0-9_.:-]{1,100}$/;
export const SERVICE_URL_MAX = 2000;

/** An optional http(s) URL; the error names the field, never the value. */
function optionalServiceUrl(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const url = requireText(value, 'serviceUrl', SERVICE_URL_MAX);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError('serviceUrl must be an absolute http or https URL');
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !/^https?:\/\//.test(url) || /\s/.test(url)) {
    throw new TypeError('serviceUrl must be an absolute http or https URL');
  }
  return url;
}

export function createSignpostingStore(deps: { db: Db; assertOpen(): void }): SignpostingStore {
  const { db, assertOpen } = deps;
  return {
    async recordSignpostShare(input: SignpostShareInput): Promise<SignpostShare | null> {
      assertOpen();
      const referralId = requireUuid(input.referralId, 'referralId');
      const serviceId = requireText(input.serviceId, 'serviceId', 100);
      if (!SERVICE_ID.test(serviceId)) throw new TypeError('serviceId must be a plain identifier');
      const serviceName = requireText(input.serviceName, 'serviceName', 300);
      const operatorId = requireText(input.operatorId, 'operatorId', 128);
      const at = requireDate(input.at, 'at');
      const serviceUrl = optionalServiceUrl(input.serviceUrl);
      const id = uuidv7();
      const result = await db.query<{ id: string }>(
        `INSERT INTO signpost_shares (id, referral_id, service_id, service_name, operator_id, shared_at, service_url)
         SELECT $1::uuid, r.id, $3, $4, $5, $6, $7 FROM referrals r WHERE r.id = $2::uuid
         RETURNING id::text AS id`,
        [id, referralId, serviceId, serviceName, operatorId, at, serviceUrl],
      );
      if (result.rows.length === 0) return null;
      return { id, referralId, serviceId, serviceName, operatorId, at, ...(serviceUrl ? { serviceUrl } : {}) };
    },
    async listSignpostShares(referralId: string): Promise<SignpostShare[]> {
      assertOpen();
      if (!isUuid(referralId)) return [];
      const result = await db.query<{ id: string; referral_id: string; service_id: string; service_name: string; operator_id: string; shared_at: Date | string; service_url: string | null }>(
        `SELECT id::text AS id, referral_id::text AS referral_id, service_id, service_name, operator_id, shared_at, service_url
           FROM signpost_shares WHERE referral_id = $1::uuid ORDER BY shared_at, id`,
        [referralId.toLowerCase()],
      );
      return result.rows.map((r) => ({
        id: r.id,
        referralId: r.referral_id,
        serviceId: r.service_id,
        serviceName: r.service_name,
        operatorId: r.operator_id,
        at: new Date(r.shared_at),
        ...(r.service_url ? { serviceUrl: r.service_url } : {}),
      }));
    },
  };
}
