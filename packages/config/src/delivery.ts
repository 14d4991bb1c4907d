import type { HubMode } from './settings.ts';
import type { PartnerDelivery, PartnerSecret } from './generated/partners.ts';

/** How the hub reaches a recipient partner, as the running hub sees it: placeholders and secrets resolved. */
export type DeliveryTarget =
  | {
      channel: 'webhook';
      url: string;
      localTestEndpoint: boolean;
      /** The hub's outbound Standard Webhooks signing secret for this partner. Never log it. */
      secret: string;
      timeoutMs: number;
    }
  | {
      channel: 'fhir';
      /** FHIR base URL; the transaction Bundle is POSTed to it. */
      url: string;
      localTestEndpoint: boolean;
      /** Optional signing secret, when the FHIR endpoint also checks Standard Webhooks signatures. */
      secret?: string;
      timeoutMs: number;
    }
  | {
      channel: 'email';
      email: {
        to: string;
        from?: string;
        smtpUrl: string;
        localTestServer: boolean;
        /** smtp:// with STARTTLS required (the adapter must refuse to send in clear); false only for a local test server. */
        requireTls: boolean;
      };
      timeoutMs: number;
    };

export const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000;

const PLACEHOLDER = /\$\{([^}]*)\}/g;
const PLACEHOLDER_BODY = /^([A-Z][A-Z0-9_]{0,63})(?::-(.*))?$/s;

/**
 * Replaces `${NAME}` and `${NAME:-default}` from the environment (a set, non-empty value wins;
 * otherwise the default). Lets the demo registry point at local simulators whose ports are
 * chosen at run time (e.g. `${SIMULATOR_WEBHOOK_BASE_URL:-http://127.0.0.1:4010}/webhooks/x`).
 * Problems name the variable, never a value.
 */
export function resolvePlaceholders(text: string, env: Record<string, string | undefined>, where: string, problems: string[]): string | undefined {
  let ok = true;
  const resolved = text.replace(PLACEHOLDER, (_whole, body: string) => {
    const m = PLACEHOLDER_BODY.exec(body);
    if (!m) {
      problems.push(`${where}: a placeholder must be \${NAME} or \${NAME:-default} with NAME in capitals`);
      ok = false;
      return '';
    }
    const value = env[m[1] as string];
    if (value !== undefined && value !== '') return value;
    if (m[2] !== undefined) return m[2];
    problems.push(`${where}: environment variable ${m[1]} is not set and the placeholder has no default`);
    ok = false;
    return '';
  });
  return ok ? resolved : undefined;
}

function resolveSecret(secret: PartnerSecret, mode: HubMode, env: Record<string, string | undefined>, where: string, problems: string[]): string | undefined {
  if ('value' in secret) {
    if (mode === 'production') problems.push(`${where}: inline secrets are refused in production; use {env: NAME}`);
    return secret.value;
  }
  const value = env[secret.env];
  if (!value) {
    problems.push(`${where}: environment variable ${secret.env} is not set`);
    return undefined;
  }
  if (!/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/.test(value)) {
    problems.push(`${where}: environment variable ${secret.env} is not a Standard Webhooks secret`);
    return undefined;
  }
  return value;
}

function checkHttpUrl(raw: string, localTestEndpoint: boolean, mode: HubMode, where: string, problems: string[]): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`${where}: not a valid URL`);
    return false;
  }
  if (url.username || url.password) {
    problems.push(`${where}: must not carry credentials`);
    return false;
  }
  if (url.protocol === 'https:') return true;
  if (url.protocol === 'http:') {
    if (!localTestEndpoint) {
      problems.push(`${where}: must be https (http is allowed only with localTestEndpoint: true, for a local simulator)`);
      return false;
    }
    return mode !== 'production';
  }
  problems.push(`${where}: must be an https URL`);
  return false;
}

/**
 * Validates and resolves a partner's `delivery` block. Pushes every problem (naming the place,
 * never a secret or URL value) and returns undefined when the block is unusable.
 */
export function resolveDelivery(
  delivery: PartnerDelivery,
  mode: HubMode,
  env: Record<string, string | undefined>,
  where: string,
  problems: string[],
): DeliveryTarget | undefined {
  const before = problems.length;
  const timeoutMs = delivery.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
  const localTestEndpoint = delivery.localTestEndpoint === true;
  if (mode === 'production' && localTestEndpoint) problems.push(`${where}/localTestEndpoint: local test endpoints are refused in production`);
  if (mode === 'production' && delivery.email?.localTestServer === true) problems.push(`${where}/email/localTestServer: local test servers are refused in production`);

  if (delivery.channel === 'email') {
    if (delivery.url !== undefined) problems.push(`${where}/url: not used by the email channel (set email.smtpUrl)`);
    if (delivery.localTestEndpoint !== undefined) problems.push(`${where}/localTestEndpoint: not used by the email channel (set email.localTestServer)`);
    if (delivery.secret !== undefined) problems.push(`${where}/secret: not used by the email channel`);
    if (!delivery.email) {
      problems.push(`${where}: the email channel needs an email block (to, smtpUrl)`);
      return undefined;
    }
    const localTestServer = delivery.email.localTestServer === true;
    const smtpUrl = resolvePlaceholders(delivery.email.smtpUrl, env, `${where}/email/smtpUrl`, problems);
    if (smtpUrl !== undefined) {
      let url: URL | undefined;
      try {
        url = new URL(smtpUrl);
      } catch {
        problems.push(`${where}/email/smtpUrl: not a valid URL`);
      }
      if (url && url.protocol !== 'smtp:' && url.protocol !== 'smtps:') problems.push(`${where}/email/smtpUrl: must be smtp:// (STARTTLS) or smtps://`);
    }
    if (problems.length > before || smtpUrl === undefined) return undefined;
    return {
      channel: 'email',
      email: { to: delivery.email.to, ...(delivery.email.from ? { from: delivery.email.from } : {}), smtpUrl, localTestServer, requireTls: !localTestServer },
      timeoutMs,
    };
  }

  if (delivery.email !== undefined) problems.push(`${where}/email: only used by the email channel`);
  if (delivery.url === undefined) {
    problems.push(`${where}: the ${delivery.channel} channel needs a url`);
    return undefined;
  }
  const url = resolvePlaceholders(delivery.url, env, `${where}/url`, problems);
  if (url !== undefined) checkHttpUrl(url, localTestEndpoint, mode, `${where}/url`, problems);
  let secret: string | undefined;
  if (delivery.secret) secret = resolveSecret(delivery.secret, mode, env, `${where}/secret`, problems);
  else if (delivery.channel === 'webhook') problems.push(`${where}: the webhook channel needs a secret (the hub's signing secret for this partner)`);
  if (problems.length > before || url === undefined) return undefined;
  if (delivery.channel === 'webhook') return { channel: 'webhook', url, localTestEndpoint, secret: secret as string, timeoutMs };
  return { channel: 'fhir', url, localTestEndpoint, ...(secret ? { secret } : {}), timeoutMs };
}
