// The console's pages (issue 4): every page and form handler, with the roles that may use it.
// registerConsoleWeb mounts these behind the session, role and CSRF checks.
import type { ConsoleDeps, PageRoute } from '../context.ts';
import { deadLetterRoutes } from './dead-letters.ts';
import { holdRoutes } from './holds.ts';
import { ledgerRoutes } from './ledger.ts';
import { overviewRoutes } from './overview.ts';
import { partnerRoutes } from './partners.ts';
import { referralRoutes } from './referrals.ts';

export function pageRoutes(deps: ConsoleDeps): PageRoute[] {
  return [...overviewRoutes(deps), ...referralRoutes(deps), ...holdRoutes(deps), ...deadLetterRoutes(deps), ...partnerRoutes(deps), ...ledgerRoutes(deps)];
}

export { QUEUE_SNAPSHOT_TIMEOUT_MS } from './overview.ts';
export { REVEAL_REASON_MIN, REVEAL_NOTICE, holdReasonText } from './referrals.ts';
export { holdOptions } from './holds.ts';
export { LEDGER_ROLES } from './ledger.ts';
export { ENABLE_ROLES } from './partners.ts';
