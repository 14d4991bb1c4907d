/**
 * Per-partner token buckets, held in this process. Kept local on purpose: intake must go on
 * when Redis is away, so the limit is per gateway instance (documented in docs/operations).
 * Also keyed by client address for POST /v1/feedback; there the keys are not a fixed list, so
 * `maxKeys` bounds the memory: at the bound the least recently used bucket is forgotten.
 */
export class PartnerRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedMs: number }>();

  constructor(
    private readonly now: () => number = () => Date.now(),
    private readonly maxKeys: number = Number.POSITIVE_INFINITY,
  ) {}

  /** Takes a token; returns 0 when allowed, else the whole seconds to wait. */
  take(partnerId: string, limit: { requestsPerMinute: number; burst: number }): number {
    const nowMs = this.now();
    const perMs = limit.requestsPerMinute / 60_000;
    const bucket = this.buckets.get(partnerId) ?? { tokens: limit.burst, updatedMs: nowMs };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + (nowMs - bucket.updatedMs) * perMs);
    bucket.updatedMs = nowMs;
    // Re-inserted so the map's order is least recently used first.
    this.buckets.delete(partnerId);
    if (this.buckets.size >= this.maxKeys) {
      const oldest = this.buckets.keys().next();
      if (!oldest.done) this.buckets.delete(oldest.value);
    }
    this.buckets.set(partnerId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
  }
}
