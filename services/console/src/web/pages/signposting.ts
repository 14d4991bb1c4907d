// The referral page's "Services that may help" section (issue 6, part 2): directory services
// suggested for the referral's needs and the family's postcode district, with why, and the
// operator's record that one was shared with the family. Advice to a person only: the hub never
// contacts a family or a service about them because of a suggestion.
import type { FastifyRequest } from 'fastify';
import { suggestServices, needText, type Suggestion } from '@hub/directory';
import { ageInYears } from '@hub/domain';
import type { SignpostShare } from '@hub/store';
import { OPERATE_ROLES, type ConsoleDeps } from '../context.ts';
import { html, type SafeHtml } from '../html.ts';
import { csrfField } from '../layout.ts';
import { mayUse, reasonField, time } from './common.ts';

/** "Shared with family" needs a reason of at least this many characters. */
export const SIGNPOST_REASON_MIN = 3;

export const SIGNPOST_NOTICES: Record<string, (n: number) => string> = {
  signposted: () => 'Recorded as shared with the family, with your name. The hub sent nothing: sharing is up to you.',
};

interface CanonicalLike {
  needs?: unknown;
  family?: { postcodeDistrict?: unknown };
  people?: { role?: unknown; dateOfBirth?: unknown }[];
}

/**
 * What signposting reads from the canonical referral: its need codes, the family's postcode
 * district and the children's ages in whole years (computed here; dates of birth go no further).
 */
export function signpostQueryOf(canonical: unknown, now: Date): { needs: string[]; district?: string; childAges: number[] } {
  const c = (canonical ?? {}) as CanonicalLike;
  const needs = Array.isArray(c.needs) ? c.needs.filter((n): n is string => typeof n === 'string') : [];
  const district = typeof c.family?.postcodeDistrict === 'string' ? c.family.postcodeDistrict : undefined;
  const childAges = (Array.isArray(c.people) ? c.people : [])
    .filter((p) => (p.role === 'child' || p.role === 'young-person') && typeof p.dateOfBirth === 'string')
    .map((p) => ageInYears(p.dateOfBirth as string, now))
    .filter((a): a is number => a !== null && a >= 0);
  return { needs, ...(district ? { district } : {}), childAges };
}

/** The suggestions for a referral, or null when no directory is loaded. */
export async function suggestionsFor(deps: ConsoleDeps, canonical: unknown): Promise<Suggestion[] | null> {
  const loaded = await deps.directory?.current();
  if (!loaded) return null;
  return suggestServices(loaded.services, signpostQueryOf(canonical, deps.now()));
}

/**
 * The service's public web address as a share keeps it (and a self-referral's acknowledgement may
 * carry it): only an absolute http(s) URL of at most 2000 characters, otherwise none.
 */
export function shareableUrl(s: Suggestion): string | undefined {
  const url = s.service.contact.url;
  return url && url.length <= 2000 && /^https?:\/\/\S+$/.test(url) ? url : undefined;
}

function contactOf(s: Suggestion): SafeHtml {
  const { phone, email, url } = s.service.contact;
  const parts: SafeHtml[] = [];
  if (phone) parts.push(html`phone ${phone}`);
  if (email) parts.push(html`email ${email}`);
  if (url && /^https?:\/\//i.test(url)) parts.push(html`<a href="${url}" rel="noopener noreferrer">website</a>`);
  return parts.length === 0 ? html`` : html`<p>Contact: ${parts.map((p, i) => html`${i > 0 ? ', ' : ''}${p}`)}</p>`;
}

function shareForm(request: FastifyRequest, referralId: string, s: Suggestion, index: number): SafeHtml {
  return html`<form method="post" action="/referrals/${referralId}/signposting">${csrfField(request)}
<input type="hidden" name="serviceId" value="${s.service.id}">
${reasonField(`signpost-${index}-reason`, `Why you shared ${s.service.name} with the family`, SIGNPOST_REASON_MIN)}
<p><button type="submit">Mark shared with family</button></p>
</form>`;
}

function sharesTable(shares: SignpostShare[]): SafeHtml {
  if (shares.length === 0) return html`<p>No service has been recorded as shared with the family.</p>`;
  return html`<table>
<caption>Services recorded as shared with the family</caption>
<thead><tr><th scope="col">When</th><th scope="col">Service</th><th scope="col">Web address</th><th scope="col">Recorded by</th></tr></thead>
<tbody>${shares.map(
    (s) =>
      html`<tr><td>${time(s.at)}</td><td>${s.serviceName} <span class="tag">${s.serviceId}</span></td><td>${s.serviceUrl ? html`<a href="${s.serviceUrl}" rel="noopener noreferrer">${s.serviceUrl}</a>` : 'none'}</td><td>${s.operatorId}</td></tr>`,
  )}</tbody>
</table>`;
}

export function signpostingSection(request: FastifyRequest, referralId: string, suggestions: Suggestion[] | null, shares: SignpostShare[]): SafeHtml {
  const operate = mayUse(request, OPERATE_ROLES);
  const list =
    suggestions === null
      ? html`<p>No service directory is loaded, so there are no suggestions.</p>`
      : suggestions.length === 0
        ? html`<p>No service in the directory covers this referral's needs in the family's area.</p>`
        : html`<ol class="suggestions">${suggestions.map(
            (s, i) => html`<li class="suggestion" data-service-id="${s.service.id}"><h3>${s.service.name}</h3>
<p>${s.service.organisation.name}. Needs met: ${s.matchedNeeds.map(needText).join('; ')}. Score ${s.score}.</p>
<ul class="reasons">${s.reasons.map((r) => html`<li>${r}</li>`)}</ul>
${contactOf(s)}
${operate ? shareForm(request, referralId, s, i) : ''}</li>`,
          )}</ol>`;
  return html`<section aria-labelledby="signposting-h"><h2 id="signposting-h">Services that may help</h2>
<p>Suggestions from the local service directory, matched to the referral's needs and the family's postcode district, best first. They are advice for you: the hub never contacts the family, or a service about them, on its own. If you share a service with the family, record it here.</p>
${list}
${operate ? '' : html`<p>An operator or admin records a service as shared with the family.</p>`}
${sharesTable(shares)}
</section>`;
}
