import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import type { HubMode } from './settings.ts';
import type { PartnerRegistryFile, PartnerEntry } from './generated/partners.ts';
import { resolveDelivery, type DeliveryTarget } from './delivery.ts';


export type OrganisationType = PartnerEntry['organisationType'];
export type MessageType = PartnerEntry['messageTypes'][number];

/** A partner as the running hub sees it: secrets resolved, lists turned into sets. */
export interface Partner {
  id: string;
  organisationType: OrganisationType;
  displayName: string;
  identifiers: NonNullable<PartnerEntry['identifiers']>;
  /** Resolved `whsec_…` secrets; two while a rotation is in progress. Never log these. */
  secrets: readonly string[];
  messageTypes: ReadonlySet<string>;
  rateLimit: { requestsPerMinute: number; burst: number };
  /** Postcode districts (e.g. M14) the partner serves; empty when it serves no particular area. */
  areas: readonly string[];
  /** How the hub delivers referrals to it; only recipients have one. Secrets resolved — never log. */
  delivery?: DeliveryTarget;
}

export interface PartnerRegistry {
  get(partnerId: string): Partner | undefined;
  all(): readonly Partner[];
}

const schemaPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../schemas/config/partners.v1.json');

const ROUTING_IDENTIFIERS = new Set(['schoolUrn', 'odsCode', 'ukprn']);

let compiled: ReturnType<Ajv2020['compile']> | undefined;
function partnerValidator(): ReturnType<Ajv2020['compile']> {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    compiled = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
  }
  return compiled;
}

/**
 * Reads `partners.yaml` from the config directory, validates it against
 * `schemas/config/partners.v1.json`, resolves `env:` secrets, and returns the registry.
 * Every problem is pushed to `problems`; messages name the place, never a secret.
 */
export function loadPartnerRegistry(configDir: string, mode: HubMode, env: Record<string, string | undefined>, problems: string[]): PartnerRegistry {
  const file = path.join(configDir, 'partners.yaml');
  const label = path.relative(process.cwd(), file) || file;
  if (!existsSync(file)) {
    problems.push(`${label}: file not found (set HUB_CONFIG_DIR to a folder holding partners.yaml)`);
    return registryOf([]);
  }
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    problems.push(`${label}: not valid YAML (${(err as Error).message.split('\n')[0]})`);
    return registryOf([]);
  }
  const validate = partnerValidator();
  if (!validate(doc)) {
    for (const e of validate.errors ?? []) {
      // oneOf reports every branch; the branch errors already say what is wrong.
      if (e.keyword === 'oneOf') continue;
      problems.push(`${label} ${e.instancePath || '/'}: ${e.message ?? 'is invalid'}${e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : ''}`);
    }
    return registryOf([]);
  }
  const entries = (doc as PartnerRegistryFile).partners;
  const seenIds = new Set<string>();
  const seenIdentifiers = new Map<string, string>();
  const partners: Partner[] = [];
  entries.forEach((entry, index) => {
    const where = `${label} /partners/${index}`;
    if (seenIds.has(entry.id)) problems.push(`${where}/id: partner id "${entry.id}" appears more than once`);
    seenIds.add(entry.id);
    for (const [kind, value] of Object.entries(entry.identifiers ?? {})) {
      // Routing finds a school by URN and a GP by ODS code, so those must name one partner.
      if (!ROUTING_IDENTIFIERS.has(kind)) continue;
      const key = `${kind}=${value}`;
      const other = seenIdentifiers.get(key);
      if (other) problems.push(`${where}/identifiers/${kind}: also used by partner "${other}"`);
      else seenIdentifiers.set(key, entry.id);
    }
    const secrets: string[] = [];
    entry.secrets.forEach((secret, s) => {
      if ('value' in secret) {
        if (mode === 'production') problems.push(`${where}/secrets/${s}: inline secrets are refused in production; use {env: NAME}`);
        secrets.push(secret.value);
      } else {
        const value = env[secret.env];
        if (!value) problems.push(`${where}/secrets/${s}: environment variable ${secret.env} is not set`);
        else if (!/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/.test(value)) problems.push(`${where}/secrets/${s}: environment variable ${secret.env} is not a whsec_ secret`);
        else secrets.push(value);
      }
    });
    if (new Set(secrets).size !== secrets.length) problems.push(`${where}/secrets: the two secrets are the same`);
    const delivery = entry.delivery ? resolveDelivery(entry.delivery, mode, env, `${where}/delivery`, problems) : undefined;
    partners.push({
      id: entry.id,
      organisationType: entry.organisationType,
      displayName: entry.displayName,
      identifiers: entry.identifiers ?? {},
      secrets,
      messageTypes: new Set(entry.messageTypes),
      rateLimit: {
        requestsPerMinute: entry.rateLimit.requestsPerMinute,
        burst: entry.rateLimit.burst ?? Math.max(1, Math.ceil(entry.rateLimit.requestsPerMinute / 10)),
      },
      areas: entry.areas ?? [],
      ...(delivery ? { delivery } : {}),
    });
  });
  return registryOf(partners);
}

function registryOf(partners: Partner[]): PartnerRegistry {
  const byId = new Map(partners.map((p) => [p.id, p]));
  return {
    get: (id) => byId.get(id),
    all: () => partners,
  };
}
