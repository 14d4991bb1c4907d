import { ConfigError } from './errors.ts';
import { loadPartnerRegistry, type PartnerRegistry } from './partners.ts';
import { loadSettings, type Settings } from './settings.ts';
import { loadSharingConfig, type SharingConfig } from '@hub/sharing';
import { loadRetentionConfig, type RetentionConfig } from './retention.ts';

export { ConfigError } from './errors.ts';
export { loadSettings, parseKeyring, MAX_SIGNATURE_TOLERANCE_SECONDS, DEMO_CONSOLE_ACCOUNTS_FILE, DEMO_NOTIFY } from './settings.ts';
export type { Settings, Keyring, HubMode, NotifySettings, FeedbackSettings } from './settings.ts';
export { loadPartnerRegistry } from './partners.ts';
export type { Partner, PartnerRegistry, OrganisationType, MessageType } from './partners.ts';
export { resolvePlaceholders, DEFAULT_DELIVERY_TIMEOUT_MS } from './delivery.ts';
export type { DeliveryTarget } from './delivery.ts';
export type { SharingConfig } from '@hub/sharing';
export { loadRetentionConfig, retentionRuleFor, DEFAULT_RETENTION_FILE, ERASABLE_CLASSES } from './retention.ts';
export type { RetentionConfig, RetentionRule, RetentionPeriod, RetentionSchedule, RetentionRecordClass } from './retention.ts';

export interface HubConfig {
  settings: Settings;
  partners: PartnerRegistry;
  /** Sharing rules, data-sharing agreements and the school calendar (empty when the config dir has none). */
  sharing: SharingConfig;
  /** The retention schedule (retention.yaml in the config dir, else config/retention.yaml). */
  retention: RetentionConfig;
}

/**
 * Loads and validates every setting, the partner registry and the sharing config once, at start-up.
 * Throws a ConfigError listing every problem; the caller refuses to start.
 */
export function loadConfig(env: Record<string, string | undefined>): HubConfig {
  const problems: string[] = [];
  const settings = loadSettings(env, problems);
  const beforePartners = problems.length;
  const partners = loadPartnerRegistry(settings.configDir, settings.mode, env, problems);
  // A registry that failed to load would make every rule's partner look unknown; skip those checks then.
  const partnersLoaded = problems.length === beforePartners;
  const sharing = loadSharingConfig(settings.configDir, partners, problems, { checkPartners: partnersLoaded });
  const messageTypes = partnersLoaded ? new Set(partners.all().flatMap((p) => [...p.messageTypes])) : undefined;
  const retention = loadRetentionConfig(settings.configDir, problems, messageTypes ? { messageTypes } : {});
  if (problems.length > 0) throw new ConfigError(problems);
  return { settings, partners, sharing, retention };
}

/** For a service's `main`: loads the configuration, or prints every problem and exits 1. */
export function loadConfigOrExit(env: Record<string, string | undefined>): HubConfig {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}
