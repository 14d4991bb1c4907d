import { ConfigError } from './errors.ts';
import { loadPartnerRegistry, type PartnerRegistry } from './partners.ts';
import { loadSettings, type Settings } from './settings.ts';

export { ConfigError } from './errors.ts';
export { loadSettings, parseKeyring, MAX_SIGNATURE_TOLERANCE_SECONDS } from './settings.ts';
export type { Settings, Keyring, HubMode } from './settings.ts';
export { loadPartnerRegistry } from './partners.ts';
export type { Partner, PartnerRegistry, OrganisationType, MessageType } from './partners.ts';

export interface HubConfig {
  settings: Settings;
  partners: PartnerRegistry;
}

/**
 * Loads and validates every setting and the partner registry once, at start-up.
 * Throws a ConfigError listing every problem; the caller refuses to start.
 */
export function loadConfig(env: Record<string, string | undefined>): HubConfig {
  const problems: string[] = [];
  const settings = loadSettings(env, problems);
  const partners = loadPartnerRegistry(settings.configDir, settings.mode, env, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return { settings, partners };
}
