// Renders the referral view made by maskedReferralView (@hub/domain): people, family, referrer and
// the type-specific details, masked unless revealed. Every value goes through `html`; empty
// (null) fields are left out.
import type { maskedReferralView } from '@hub/domain';
import { html, type SafeHtml } from '../html.ts';

type View = ReturnType<typeof maskedReferralView>;
type Person = View['people'][number];
type Address = NonNullable<Person['address']>;
type Contact = NonNullable<Person['contact']>;
type Staff = NonNullable<View['referrer']>;

const SECTIONS: Record<View['details'][number]['section'], string> = {
  police: 'Police',
  education: 'Education',
  health: 'Health',
  housing: 'Housing',
  employment: 'Employment',
  victim: 'Victim support',
  justice: 'Youth justice or probation',
  socialCare: "Children's social care",
  vcs: 'Voluntary sector',
};

type Field = [label: string, value: SafeHtml | string | number | boolean | null | undefined];

function value(v: SafeHtml | string | number | boolean): SafeHtml {
  if (typeof v === 'boolean') return html`${v ? 'Yes' : 'No'}`;
  if (typeof v === 'number') return html`${v}`;
  if (typeof v === 'string') return html`<span class="masked">${v}</span>`;
  return v;
}

/** A description list of the fields that have a value. */
function fields(list: Field[]): SafeHtml {
  const present = list.filter((f): f is [string, SafeHtml | string | number | boolean] => f[1] !== null && f[1] !== undefined && f[1] !== '');
  if (present.length === 0) return html`<p>Nothing recorded.</p>`;
  return html`<dl>${present.map(([label, v]) => html`<dt>${label}</dt><dd>${value(v)}</dd>`)}</dl>`;
}

function address(a: Address | null): SafeHtml | null {
  if (!a) return null;
  const parts = [...a.lines, a.town, a.county, a.postcode].filter((p): p is string => typeof p === 'string' && p.length > 0);
  return html`<span class="masked">${parts.map((p, i) => html`${i > 0 ? ', ' : ''}${p}`)}</span>${a.uprn ? html` (UPRN <span class="masked">${a.uprn}</span>)` : ''}`;
}

function contactFields(c: Contact | null): Field[] {
  if (!c) return [];
  return [
    ['Phone', c.phone],
    ['Other phone', c.otherPhone],
    ['Email', c.email],
    ['Preferred contact', c.preferredMethod],
    ['Contact times', c.contactTimes],
    ['Can leave a message', c.canLeaveMessage],
    ['Safe to contact', c.safeToContact],
    ['Safe contact note', c.safeContactNote],
  ];
}

function staff(s: Staff | null): SafeHtml | null {
  if (!s) return null;
  return fields([
    ['Name', s.name],
    ['Job title', s.jobTitle],
    ['Organisation', s.organisation],
    ['Phone', s.phone],
    ['Email', s.email],
  ]);
}

function person(p: Person): SafeHtml {
  const warning = p.safeToContact === false ? html`<p class="error-summary" role="note"><strong>Not safe to contact.</strong> Contacting this person could put someone at risk.</p>` : '';
  return html`<section class="person" aria-labelledby="person-${p.personRef}-h">
<h3 id="person-${p.personRef}-h">Person ${p.personRef} (${p.role}): <span class="masked">${p.name}</span></h3>
${warning}
${fields([
  ['Hub person id', p.hubPersonId],
  ['Role', p.role],
  ['Name', p.name],
  ['Preferred name', p.preferredName],
  ['Date of birth', p.dateOfBirth],
  ['NHS number', p.nhsNumber],
  ['NHS number verification', p.nhsNumberVerificationStatus],
  ['Unique pupil number', p.upn],
  ['National Insurance number', p.niNumber],
  ['Sex', p.sex],
  ['Gender identity', p.genderIdentity],
  ['Ethnicity', p.ethnicity],
  ['Religion', p.religion],
  ['Sexual orientation', p.sexualOrientation],
  ['Language', p.language],
  ['Interpreter required', p.interpreterRequired],
  ['Nationality', p.nationality],
  ['Country of birth', p.countryOfBirth],
  ['Health conditions', p.healthConditions.length > 0 ? p.healthConditions.join('; ') : null],
  ['Disability', p.disability],
  ['Address', address(p.address)],
  ['No fixed abode', p.noFixedAbode],
  ...contactFields(p.contact),
  ['School URN', p.schoolUrn],
  ['Electively home educated', p.electivelyHomeEducated],
  ['GP practice ODS code', p.gpOdsCode],
  ['Special educational needs', p.sen],
  ['Care leaver', p.careLeaver],
  ['Looked after', p.lookedAfter],
  ['Young carer', p.youngCarer],
])}
</section>`;
}

function details(list: View['details']): SafeHtml {
  if (list.length === 0) return html``;
  const sections = [...new Set(list.map((d) => d.section))];
  return html`<section aria-labelledby="details-h"><h2 id="details-h">Details from the source</h2>
${sections.map(
  (s) => html`<table>
<caption>${SECTIONS[s]}</caption>
<thead><tr><th scope="col">Field</th><th scope="col">Value</th></tr></thead>
<tbody>${list.filter((d) => d.section === s).map((d) => html`<tr><th scope="row"><code>${d.field}</code></th><td><span class="masked">${d.value}</span></td></tr>`)}</tbody>
</table>`,
)}</section>`;
}

/** The referral's people, family, referral details and source details (facts are shown elsewhere). */
export function renderReferralView(view: View): SafeHtml {
  const b = view.lawfulBasis;
  return html`<section aria-labelledby="referral-h"><h2 id="referral-h">Referral</h2>
${fields([
  ['Correlation id', view.correlationId],
  ['Source reference', view.sourceReference],
  ['Needs', view.needs.join(', ')],
  ['Need summary', view.needSummary],
  ['Consent', view.consentStatus],
  ['Consent captured', view.consentCapturedAt],
  ['Why consent was not sought', view.consentReasonNotSought],
  ['Lawful basis', `Art 6 ${b.art6}${b.art9 ? `; Art 9 ${b.art9}` : ''}${b.sch1Paragraph ? `; Sch 1 para ${b.sch1Paragraph}` : ''}${b.art10 ? `; Art 10 ${b.art10}` : ''}`],
  ['Safeguarding concern now', view.safeguardingConcern],
  ['Other agencies involved', view.agenciesInvolved.length > 0 ? view.agenciesInvolved.join('; ') : null],
])}
</section>
<section aria-labelledby="people-h"><h2 id="people-h">People</h2>
${view.people.length === 0 ? html`<p>No people.</p>` : view.people.map(person)}
</section>
<section aria-labelledby="family-h"><h2 id="family-h">Family</h2>
${view.family.contactSafe ? '' : html`<p class="error-summary" role="note"><strong>Contact with the family may not be safe.</strong></p>`}
${fields([
  ['Address', address(view.family.address)],
  ['Postcode district', view.family.postcodeDistrict],
  ['Household size', view.family.householdSize],
  ['Tenure', view.family.tenure],
  ['No fixed abode', view.family.noFixedAbode],
  ['Safe to contact the family', view.family.contactSafe],
  ...contactFields(view.family.contact),
])}
</section>
${view.referrer ? html`<section aria-labelledby="referrer-h"><h2 id="referrer-h">Referrer</h2>${staff(view.referrer)}</section>` : ''}
${view.leadPractitioner ? html`<section aria-labelledby="lead-h"><h2 id="lead-h">Lead practitioner</h2>${staff(view.leadPractitioner)}</section>` : ''}
${details(view.details)}`;
}
