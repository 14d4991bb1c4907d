// Test support: the demo config as the sharing package sees it, without @hub/config (which
// depends on this package). Reads config/demo/partners.yaml for the few partner facts rules need.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { normaliseReferral } from '@hub/domain';
import type { CanonicalReferral } from '../canonical.ts';
import { loadSharingConfig, type SharingConfig } from '../load.ts';
import type { PartnerLookup, SharingPartner } from '../partners.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const DEMO_CONFIG_DIR = path.join(REPO_ROOT, 'config', 'demo');
export const FIXTURE_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'inbound');

interface PartnerDoc {
  id: string;
  organisationType: string;
  identifiers?: { schoolUrn?: string; odsCode?: string };
  areas?: string[];
  delivery?: { channel: string };
}

export function partnerLookup(partners: readonly SharingPartner[]): PartnerLookup {
  const byId = new Map(partners.map((p) => [p.id, p]));
  return { get: (id) => byId.get(id), all: () => partners };
}

export function demoPartners(): PartnerLookup {
  const doc = parseYaml(readFileSync(path.join(DEMO_CONFIG_DIR, 'partners.yaml'), 'utf8')) as { partners: PartnerDoc[] };
  return partnerLookup(
    doc.partners.map((p) => ({
      id: p.id,
      organisationType: p.organisationType,
      identifiers: p.identifiers ?? {},
      areas: p.areas ?? [],
      ...(p.delivery ? { delivery: { channel: p.delivery.channel } } : {}),
    })),
  );
}

export function demoSharing(partners: PartnerLookup = demoPartners()): SharingConfig {
  const problems: string[] = [];
  const sharing = loadSharingConfig(DEMO_CONFIG_DIR, partners, problems);
  if (problems.length > 0) throw new Error(`demo sharing config is invalid:\n${problems.join('\n')}`);
  return sharing;
}

/** The partner that sends a fixture type in the demo registry (the first that may, as the e2e tests pick it). */
const SENDER: Record<string, string> = {
  'family.self-referral.submitted': 'family-web-form',
  'police.domestic-abuse.notified': 'gmp',
  'police.vulnerability.referred': 'gmp',
  'education.early-help.requested': 'st-marys-primary',
  'health.gp.referred': 'ardwick-medical-practice',
  'health.health-visitor.concern-raised': 'mft-health-visiting',
  'housing.tenancy-risk.notified': 'one-city-homes',
  'dwp.jobcentre.referred': 'jobcentre-manchester-central',
  'victim-support.referral.submitted': 'victim-support-gm',
  'justice.youth-justice.notified': 'manchester-yjs',
  'social-care.step-down.requested': 'manchester-childrens-social-care',
  'vcs.referral.submitted': 'northside-community-trust',
};

/** A fixture normalised as the router would (the hub's receivedAt is the message timestamp). */
export function fixtureReferral(type: string, overrides: { sourcePartnerId?: string } = {}): CanonicalReferral {
  const body = JSON.parse(readFileSync(path.join(FIXTURE_DIR, `${type}.json`), 'utf8')) as { type: string; timestamp: string; data: unknown };
  return normaliseReferral({
    type: body.type,
    data: body.data,
    messageId: `msg_${type}`,
    referralId: `ref_${type}`,
    sourcePartnerId: overrides.sourcePartnerId ?? SENDER[type] ?? 'unknown',
    receivedAt: new Date(body.timestamp).toISOString(),
  });
}

export const REFERRAL_FIXTURE_TYPES: readonly string[] = Object.keys(SENDER);
