// The console's pages (issue 4): every page and form handler, with the roles that may use it.
// registerConsoleWeb mounts these behind the session, role and CSRF checks.
import type { ConsoleDeps, PageRoute } from '../context.ts';
import { deadLetterRoutes } from './dead-letters.ts';
import { holdRoutes } from './holds.ts';
import { ledgerRoutes } from './ledger.ts';
import { overviewRoutes } from './overview.ts';
import { partnerRoutes } from './partners.ts';
import { referralRoutes } from './referrals.ts';
import { sarRoutes } from './sar.ts';
import { rightsRoutes } from './rights.ts';
import { retentionRoutes } from './retention.ts';
import { statisticsRoutes } from './statistics.ts';
import { feedbackStatisticsRoutes } from './feedback.ts';
import { performanceRoutes } from './performance.ts';
import { extractRoutes } from './extract.ts';

export function pageRoutes(deps: ConsoleDeps): PageRoute[] {
  return [...overviewRoutes(deps), ...referralRoutes(deps), ...holdRoutes(deps), ...deadLetterRoutes(deps), ...partnerRoutes(deps), ...ledgerRoutes(deps), ...sarRoutes(deps), ...rightsRoutes(deps), ...retentionRoutes(deps), ...statisticsRoutes(deps), ...feedbackStatisticsRoutes(deps), ...performanceRoutes(deps), ...extractRoutes(deps)];
}

export { QUEUE_SNAPSHOT_TIMEOUT_MS } from './overview.ts';
export { REVEAL_REASON_MIN, REVEAL_NOTICE, holdReasonText } from './referrals.ts';
export { holdOptions } from './holds.ts';
export { LEDGER_ROLES } from './ledger.ts';
export { ENABLE_ROLES } from './partners.ts';
export { SAR_ROLES, SAR_LIST_ROLES } from './sar.ts';
export { RIGHTS_ROLES, rectificationsTable } from './rights.ts';
export { RETENTION_ROLES, RETENTION_RUN_ROLES, LEGAL_HOLD_REASON_MIN, RETENTION_RUN_REASON_MIN } from './retention.ts';
export { STATISTICS_ROLES } from './statistics.ts';
export { FEEDBACK_STATISTICS_ROLES } from './feedback.ts';
export { PERFORMANCE_ROLES } from './performance.ts';
export { EXTRACT_ROLES } from './extract.ts';
