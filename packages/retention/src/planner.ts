// The retention planner (dry run: what would go and why) and the run that erases exactly what the
// plan lists, by key destruction (docs/data-protection.md "Retention").
import type { RetentionConfig, RetentionRule } from '@hub/config';
import { retentionRuleFor } from '@hub/config';
import type { ErasureResult, Store } from '@hub/store';
import { isCalendarDate, lastDueDate, londonDate, londonStartOf, nextDate } from './dates.ts';
import type { RecordRetention, RetentionReasonCode } from './rules.ts';
import { childBirthDates, reasonText, recordRetention } from './rules.ts';

export type RetentionStore = Pick<
  Store,
  | 'retentionCounts'
  | 'retentionReferralPage'
  | 'retentionInboundPage'
  | 'retentionFeedbackPage'
  | 'countRowsOlderThan'
  | 'activeLegalHolds'
  | 'eraseReferrals'
  | 'eraseInboundMessages'
  | 'eraseFamilyFeedback'
>;

export interface RetentionDeps {
  store: RetentionStore;
  config: Pick<RetentionConfig, 'rules'>;
}

export type ErasableClass = 'referral' | 'inbound-message' | 'family-feedback';

export interface RetentionProgress {
  phase: 'planning' | 'erasing';
  done: number;
  total: number;
}

/** One record past its retention period on the as-of date. */
export interface RetentionItem {
  class: ErasableClass;
  id: string;
  /** The rule the record falls under (recorded with its erasure). */
  rule: string;
  reasonCode: RetentionReasonCode;
  /** Why, in words, without dates. */
  reason: string;
  /** The first day the record was past its period. Never shown or stored: for a family record it is a child's date of birth moved on 25 years. */
  retainUntil: string;
  /** Active legal holds covering it: a held record is reported, never erased. */
  heldBy: string[];
}

export interface ReportOnlyCount {
  class: 'ledger' | 'audit';
  rule: string;
  /** Rows past the rule's period (kept: the hub never deletes ledger or audit rows). */
  count: number;
  oldestAt: Date | null;
}

export interface RetentionPlan {
  asOf: string;
  createdAt: Date;
  /** Every record past its period, held ones included; class, then id order. */
  items: RetentionItem[];
  counts: {
    scanned: Record<ErasableClass, number>;
    due: number;
    held: number;
    toErase: number;
    byRule: Record<string, { class: ErasableClass; due: number; held: number }>;
  };
  reportOnly: ReportOnlyCount[];
  /** Referrals whose canonical form could not be decrypted, so no child's date of birth could be read: never erased on a guess. */
  unreadable: string[];
}

export interface PlanOptions {
  /** London calendar date `YYYY-MM-DD`: records due on or before it are listed. */
  asOf: string;
  pageSize?: number;
  onProgress?(progress: RetentionProgress): void;
}

/** Records per page read by the planner. */
const PAGE_SIZE = 500;
const HOLD_CHUNK = 1_000;
/** Records erased per call to the store (each call commits its batches one by one). */
const ERASE_CHUNK = 50;

interface ReferralState {
  id: string;
  rule: RetentionRule;
  /** null: unreadable, its due date is unknown. */
  own: RecordRetention | null;
}

/** Union-find over referral indexes: referrals that share a hub person are one family record. */
class FamilyLinks {
  private readonly parent: number[] = [];

  add(): number {
    this.parent.push(this.parent.length);
    return this.parent.length - 1;
  }

  find(i: number): number {
    let root = i;
    while (this.parent[root] !== root) root = this.parent[root] as number;
    while (this.parent[i] !== root) {
      const next = this.parent[i] as number;
      this.parent[i] = root;
      i = next;
    }
    return root;
  }

  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

function ruleFor(config: RetentionDeps['config'], cls: ErasableClass, type?: string): RetentionRule {
  const rule = retentionRuleFor(config, cls, type);
  if (!rule) throw new Error(`no retention rule covers ${cls} records${type ? ` of type ${type}` : ''}`);
  return rule;
}

function parseCanonical(canonical: Buffer): unknown {
  try {
    return JSON.parse(canonical.toString('utf8'));
  } catch {
    return null;
  } finally {
    canonical.fill(0);
  }
}

/**
 * The dry run: every record past its period on `asOf`, with the rule and the reason, and whether a
 * legal hold keeps it. Changes nothing. Referrals are read (and decrypted, to find the children's
 * dates of birth) a page at a time; referrals that share a hub person are one family record, kept
 * until the last of them is due.
 */
export async function planRetention(deps: RetentionDeps, options: PlanOptions): Promise<RetentionPlan> {
  const { store, config } = deps;
  const { asOf } = options;
  if (!isCalendarDate(asOf)) throw new TypeError('asOf must be a calendar date YYYY-MM-DD');
  const pageSize = options.pageSize ?? PAGE_SIZE;
  const totals = await store.retentionCounts();
  const total = totals.referrals + totals.inboundMessages + totals.familyFeedback;
  let done = 0;
  const report = (): void => options.onProgress?.({ phase: 'planning', done: Math.min(done, total), total });
  report();

  // Referrals: each one's own due date, then the family record's (the latest among linked ones).
  const states: ReferralState[] = [];
  const links = new FamilyLinks();
  const byPerson = new Map<string, number>();
  const unreadable: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.retentionReferralPage({ limit: pageSize, ...(after ? { after } : {}) });
    for (const row of page) {
      const rule = ruleFor(config, 'referral', row.sourceType);
      const receivedOn = londonDate(row.receivedAt);
      let own: RecordRetention | null;
      if (rule.keep.from !== 'youngest-child-birth') {
        own = recordRetention(rule, { receivedOn });
        row.canonical?.fill(0);
      } else if (row.canonical === null) {
        own = null;
      } else {
        const canonical = parseCanonical(row.canonical);
        own = canonical === null ? null : recordRetention(rule, { receivedOn, childBirthDates: childBirthDates(canonical) });
      }
      if (own === null) unreadable.push(row.referralId);
      const index = links.add();
      states.push({ id: row.referralId, rule, own });
      for (const personId of row.personIds) {
        const seen = byPerson.get(personId);
        if (seen === undefined) byPerson.set(personId, index);
        else links.union(seen, index);
      }
    }
    done += page.length;
    report();
    if (page.length < pageSize) break;
    after = (page.at(-1) as { referralId: string }).referralId;
  }

  interface Family {
    until: string | null;
    decidedBy: ReferralState;
    size: number;
  }
  const families = new Map<number, Family>();
  states.forEach((state, i) => {
    const root = links.find(i);
    const family = families.get(root);
    if (!family) {
      families.set(root, { until: state.own?.retainUntil ?? null, decidedBy: state, size: 1 });
      return;
    }
    family.size += 1;
    // An unreadable member makes the whole family's date unknown: nothing of it is due.
    if (family.until === null) return;
    if (state.own === null) family.until = null;
    else if (state.own.retainUntil > family.until) {
      family.until = state.own.retainUntil;
      family.decidedBy = state;
    }
  });

  const items: RetentionItem[] = [];
  states.forEach((state, i) => {
    const family = families.get(links.find(i)) as Family;
    if (family.until === null || family.until > asOf) return;
    const deciding = family.decidedBy;
    const reasonCode = (deciding.own as RecordRetention).reasonCode;
    items.push({ class: 'referral', id: state.id, rule: state.rule.id, reasonCode, reason: reasonText(deciding.rule, reasonCode, family.size), retainUntil: family.until, heldBy: [] });
  });
  for (let i = 0; i < items.length; i += HOLD_CHUNK) {
    const chunk = items.slice(i, i + HOLD_CHUNK);
    const holds = await store.activeLegalHolds(chunk.map((item) => item.id));
    for (const item of chunk) item.heldBy = holds.get(item.id) ?? [];
  }

  // Inbound messages that never became a referral: only those old enough for the shortest period are read.
  const inboundRules = config.rules.filter((r) => r.class === 'inbound-message');
  if (inboundRules.length > 0) {
    const shortest = Math.min(...inboundRules.map((r) => r.keep.years));
    const receivedBefore = londonStartOf(nextDate(lastDueDate(asOf, shortest)));
    let afterMessage: string | undefined;
    for (;;) {
      const page = await store.retentionInboundPage({ limit: pageSize, receivedBefore, ...(afterMessage ? { after: afterMessage } : {}) });
      for (const row of page) {
        const rule = ruleFor(config, 'inbound-message', row.type);
        const own = recordRetention(rule, { receivedOn: londonDate(row.receivedAt) });
        if (own.retainUntil <= asOf) items.push({ class: 'inbound-message', id: row.messageId, rule: rule.id, reasonCode: own.reasonCode, reason: reasonText(rule, own.reasonCode), retainUntil: own.retainUntil, heldBy: [] });
      }
      if (page.length < pageSize) break;
      afterMessage = (page.at(-1) as { messageId: string }).messageId;
    }
  }

  // Family feedback answers (issue 6): only those submitted long enough ago are read. A hold on the
  // person an answer came from keeps it (the page says which holds).
  const feedbackRule = retentionRuleFor(config, 'family-feedback');
  if (feedbackRule) {
    const submittedBefore = londonStartOf(nextDate(lastDueDate(asOf, feedbackRule.keep.years)));
    let afterFeedback: string | undefined;
    for (;;) {
      const page = await store.retentionFeedbackPage({ limit: pageSize, submittedBefore, ...(afterFeedback ? { after: afterFeedback } : {}) });
      for (const row of page) {
        const own = recordRetention(feedbackRule, { receivedOn: londonDate(row.submittedAt) });
        if (own.retainUntil <= asOf) {
          items.push({ class: 'family-feedback', id: row.feedbackId, rule: feedbackRule.id, reasonCode: own.reasonCode, reason: reasonText(feedbackRule, own.reasonCode), retainUntil: own.retainUntil, heldBy: row.heldBy });
        }
      }
      if (page.length < pageSize) break;
      afterFeedback = (page.at(-1) as { feedbackId: string }).feedbackId;
    }
  }
  done = total;
  report();

  const reportOnly: ReportOnlyCount[] = [];
  for (const rule of config.rules) {
    if (rule.class !== 'ledger' && rule.class !== 'audit') continue;
    const cutoff = londonStartOf(nextDate(lastDueDate(asOf, rule.keep.years)));
    const counted = await store.countRowsOlderThan(rule.class, cutoff);
    reportOnly.push({ class: rule.class, rule: rule.id, count: counted.count, oldestAt: counted.oldestAt });
  }

  const byRule: RetentionPlan['counts']['byRule'] = {};
  for (const item of items) {
    const entry = (byRule[item.rule] ??= { class: item.class, due: 0, held: 0 });
    entry.due += 1;
    if (item.heldBy.length > 0) entry.held += 1;
  }
  const held = items.filter((item) => item.heldBy.length > 0).length;
  return {
    asOf,
    createdAt: new Date(),
    items,
    counts: { scanned: { referral: states.length, 'inbound-message': totals.inboundMessages, 'family-feedback': totals.familyFeedback }, due: items.length, held, toErase: items.length - held, byRule },
    reportOnly,
    unreadable,
  };
}

export interface RetentionRunResult {
  runId: string;
  asOf: string;
  /** Erased by this run. */
  erased: RetentionItem[];
  /** Kept by a legal hold: those the plan found held, and any placed since. */
  held: (RetentionItem & { heldBy: string[] })[];
  /** Already erased, gone, or (a message) routed since the plan: nothing done. */
  skipped: (RetentionItem & { outcome: ErasureResult['outcome'] })[];
  counts: { erased: number; held: number; skipped: number; byRule: Record<string, { erased: number; held: number; skipped: number }> };
}

export interface RunOptions {
  /** The retention_runs row the erasures are recorded against. */
  runId: string;
  /** Who the audit trail names: the user who started the run, else the schedule (`retention`). */
  actor?: { name: string; role: string };
  onProgress?(progress: RetentionProgress): void;
  /** Today's London date (tests); default the real one. */
  today?: string;
}

/**
 * Erases exactly what the plan lists as not held, by key destruction (store.eraseReferrals /
 * eraseInboundMessages, each batch one transaction with its tombstones, audit rows and ledger
 * rows), and reports what was held or skipped. Given an as-of date instead of a plan, plans first.
 * Refuses a plan dated after today: nothing is erased before its time.
 */
export async function runRetention(deps: RetentionDeps, planOrAsOf: RetentionPlan | string, options: RunOptions): Promise<RetentionRunResult> {
  const today = options.today ?? londonDate(new Date());
  const asOf = typeof planOrAsOf === 'string' ? planOrAsOf : planOrAsOf.asOf;
  if (!isCalendarDate(asOf)) throw new TypeError('asOf must be a calendar date YYYY-MM-DD');
  if (asOf > today) throw new RangeError(`a retention run cannot erase ahead of time: as-of ${asOf} is after today (${today}); use a dry run to look ahead`);
  const plan = typeof planOrAsOf === 'string' ? await planRetention(deps, { asOf, ...(options.onProgress ? { onProgress: options.onProgress } : {}) }) : planOrAsOf;

  const result: RetentionRunResult = { runId: options.runId, asOf, erased: [], held: [], skipped: [], counts: { erased: 0, held: 0, skipped: 0, byRule: {} } };
  const tally = (item: RetentionItem, key: 'erased' | 'held' | 'skipped'): void => {
    const entry = (result.counts.byRule[item.rule] ??= { erased: 0, held: 0, skipped: 0 });
    entry[key] += 1;
    result.counts[key] += 1;
  };
  const toErase: RetentionItem[] = [];
  for (const item of plan.items) {
    if (item.heldBy.length > 0) {
      result.held.push(item);
      tally(item, 'held');
    } else toErase.push(item);
  }

  // Batches share a class and a rule: the rule is recorded with each erasure.
  const groups = new Map<string, RetentionItem[]>();
  for (const item of toErase) {
    const key = `${item.class} ${item.rule}`;
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  let done = 0;
  options.onProgress?.({ phase: 'erasing', done, total: toErase.length });
  for (const group of groups.values()) {
    for (let i = 0; i < group.length; i += ERASE_CHUNK) {
      const chunk = group.slice(i, i + ERASE_CHUNK);
      const first = chunk[0] as RetentionItem;
      const authority = { ruleId: first.rule, runId: options.runId, reasonCode: 'retention-period-ended' as const, ...(options.actor ? { actor: options.actor } : {}) };
      const ids = chunk.map((item) => item.id);
      const outcomes =
        first.class === 'referral'
          ? await deps.store.eraseReferrals(ids, authority)
          : first.class === 'family-feedback'
            ? await deps.store.eraseFamilyFeedback(ids, authority)
            : await deps.store.eraseInboundMessages(ids, authority);
      const byId = new Map(outcomes.map((o) => [o.id, o]));
      for (const item of chunk) {
        const outcome = byId.get(item.id);
        if (outcome?.outcome === 'erased') {
          result.erased.push(item);
          tally(item, 'erased');
        } else if (outcome?.outcome === 'held') {
          result.held.push({ ...item, heldBy: outcome.holdIds ?? [] });
          tally(item, 'held');
        } else {
          result.skipped.push({ ...item, outcome: outcome?.outcome ?? 'not-found' });
          tally(item, 'skipped');
        }
      }
      done += chunk.length;
      options.onProgress?.({ phase: 'erasing', done, total: toErase.length });
    }
  }
  return result;
}
