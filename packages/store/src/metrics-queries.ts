// Figures for the Prometheus gauges sampled on scrape (hub_dead_letters_open,
// hub_deadlines_at_risk): counts per recipient partner only, never a row's content.
import type { Queryable } from './db.ts';

export interface PartnerCount {
  partnerId: string;
  count: number;
}

export interface DeliveryGauges {
  /** Dead letters waiting for an operator (status dead), per recipient. */
  deadLetters: PartnerCount[];
  /**
   * Deliveries not delivered whose deadline falls before `now + atRiskWindowMs` (so also those
   * already past it) and that the deadline monitor has not yet marked missed, per recipient.
   */
  deadlinesAtRisk: PartnerCount[];
}

/** How far ahead a deadline counts as at risk. */
export const DEADLINE_AT_RISK_WINDOW_MS = 2 * 60 * 60 * 1000;

export async function selectDeliveryGauges(q: Queryable, now: Date, atRiskWindowMs: number): Promise<DeliveryGauges> {
  // Both use partial indexes: deliveries_dead_idx and deliveries_deadline_idx.
  const dead = await q.query<{ partner_id: string; n: number }>(
    `SELECT recipient_partner_id AS partner_id, count(*)::integer AS n FROM deliveries WHERE status = 'dead' GROUP BY recipient_partner_id`,
  );
  const atRisk = await q.query<{ partner_id: string; n: number }>(
    `SELECT recipient_partner_id AS partner_id, count(*)::integer AS n
       FROM deliveries
      WHERE deadline_at IS NOT NULL AND deadline_missed_at IS NULL AND delivered_at IS NULL
        AND deadline_at < $1::timestamptz
      GROUP BY recipient_partner_id`,
    [new Date(now.getTime() + atRiskWindowMs)],
  );
  const rows = (result: { rows: { partner_id: string; n: number }[] }): PartnerCount[] => result.rows.map((r) => ({ partnerId: r.partner_id, count: Number(r.n) }));
  return { deadLetters: rows(dead), deadlinesAtRisk: rows(atRisk) };
}
