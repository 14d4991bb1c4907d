// The subject access export as a readable, self-contained, print-friendly HTML document (one file:
// its own stylesheet, no scripts, no images, no links out). "Save as PDF" from the browser's print
// dialogue gives the PDF. Every value goes through the escaping `html` template.
import { createHash } from 'node:crypto';
import { html, raw, type SafeHtml } from '../web/html.ts';
import type {
  ExportAcknowledgement,
  ExportDecision,
  ExportDelivery,
  ExportDisclosure,
  ExportErasure,
  ExportEvaluationExtract,
  ExportFeedbackAnswer,
  ExportFeedbackInvitation,
  ExportLegalHold,
  ExportRectification,
  ExportReferral,
  ExportRights,
  ExportSignpostShare,
  ExportSubjectAccessRequest,
  PartnerRef,
  SubjectAccessExport,
} from './export.ts';

const STYLES = raw(`
:root{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;line-height:1.45;color:#0b0c0c}
body{margin:0 auto;max-width:960px;padding:16px 24px;background:#fff}
h1{font-size:1.7rem;margin:8px 0 4px}h2{font-size:1.3rem;margin:28px 0 8px;border-bottom:3px solid #0b0c0c}
h3{font-size:1.1rem;margin:20px 0 6px}h4{font-size:1rem;margin:14px 0 4px}
table{border-collapse:collapse;width:100%;margin:4px 0 12px}
th,td{border:1px solid #b1b4b6;padding:4px 6px;text-align:left;vertical-align:top;font-size:.9rem}
th{background:#f3f2f1;width:30%}thead th{width:auto}
.facts th{width:30%}
.review{background:#fff7bf}.review::after{content:" ▲ reviewed before release";font-size:.75rem;color:#594d00}
.redacted{font-style:italic}
.visually-hidden{position:absolute;left:-9999px;width:1px;height:1px;overflow:hidden}
.note{border-left:5px solid #1d70b8;padding:6px 12px;background:#f3f2f1;margin:8px 0}
.warn{border-left-color:#d4351c}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em;word-break:break-all}
section.referral{border-top:1px solid #b1b4b6;margin-top:18px}
@media print{body{max-width:none;padding:0}h2{break-after:avoid}section.referral{break-before:page}tr{break-inside:avoid}.review{background:none;border-bottom:2px dotted #594d00}}
`);

/** The Content-Security-Policy to serve the document with: nothing but its own stylesheet. */
export const SUBJECT_ACCESS_HTML_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLES.value).digest('base64')}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

const UK_TIME = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const UK_DATE = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' });

function when(value: string | null | undefined): string {
  if (!value) return '—';
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? value : `${UK_TIME.format(at)} (UK time)`;
}

function day(value: string | null | undefined): string {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return value ?? '—';
  return UK_DATE.format(new Date(`${value}T00:00:00Z`));
}

function partner(p: PartnerRef | null): SafeHtml {
  return p ? html`${p.name} <code>${p.partnerId}</code>` : html`—`;
}

/** `incidentAt` → `Incident at`. */
function label(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[-_]/g, ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function isCoded(value: unknown): value is { system: string; code: string } {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).sort().join(',') === 'code,system';
}

function scalar(value: unknown): string {
  if (value === true) return 'Yes';
  if (value === false) return 'No';
  if (isCoded(value)) return `${value.code} (${value.system})`;
  return String(value);
}

interface Row {
  label: string;
  value: string;
  pointer: string;
}

/** Nested values as rows of "Label › label: value", arrays of scalars joined. */
function flatten(value: unknown, pointer: string, prefix: string, rows: Row[]): void {
  if (value === undefined || value === null) return;
  if (isCoded(value) || typeof value !== 'object') {
    rows.push({ label: prefix || 'Value', value: scalar(value), pointer });
    return;
  }
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object' || isCoded(v))) {
      if (value.length > 0) rows.push({ label: prefix, value: value.map(scalar).join(', '), pointer });
      return;
    }
    value.forEach((v, i) => flatten(v, `${pointer}/${i}`, `${prefix} ${i + 1}`, rows));
    return;
  }
  for (const [k, v] of Object.entries(value)) flatten(v, `${pointer}/${k}`, prefix ? `${prefix} › ${label(k)}` : label(k), rows);
}

function factsTable(value: Record<string, unknown>, pointer: string, review: ReadonlySet<string>, caption: string): SafeHtml {
  const rows: Row[] = [];
  flatten(value, pointer, '', rows);
  if (rows.length === 0) return html`<p>None recorded.</p>`;
  return html`<table class="facts"><caption class="visually-hidden">${caption}</caption><tbody>${rows.map((r) => {
    const reviewed = [...review].some((p) => r.pointer === p || r.pointer.startsWith(`${p}/`) || p.startsWith(`${r.pointer}/`));
    return html`<tr><th scope="row">${r.label}</th><td${reviewed ? raw(' class="review"') : ''}>${r.value}</td></tr>`;
  })}</tbody></table>`;
}

function basis(b: { art6: string | null; art9: string | null; sch1Paragraph: string | null; art10: string | null }): SafeHtml {
  if (!b.art6 && !b.art9 && !b.art10) return html`—`;
  return html`UK GDPR Art 6: ${b.art6 ?? '—'}${b.art9 ? html`; Art 9: ${b.art9}` : ''}${b.sch1Paragraph ? html` (DPA 2018 Sch 1 para ${b.sch1Paragraph})` : ''}${b.art10 ? html`; Art 10: ${b.art10}` : ''}`;
}

function fields(list: readonly string[]): SafeHtml {
  return list.length === 0 ? html`none` : html`${list.map((f, i) => html`${i > 0 ? ', ' : ''}<code>${f}</code>`)}`;
}

const OUTCOME_TEXT: Readonly<Record<string, string>> = { disclosed: 'Shared', 'not-disclosed': 'Decided not to share', erased: 'Erased' };

function about(d: ExportDisclosure): SafeHtml {
  if (d.about === 'national-evaluation-extract') return html`National evaluation extract (research) <code>${d.referralId}</code>`;
  if (d.about === 'referral') return html`Referral <code>${d.referralId}</code>`;
  return html`<code>${d.referralId}</code> (not one of the referrals below)`;
}

function disclosuresTable(rows: readonly ExportDisclosure[]): SafeHtml {
  if (rows.length === 0) return html`<p>The hub has not shared your information with anyone, and has recorded no decision not to.</p>`;
  return html`<table>
<thead><tr><th scope="col">Date</th><th scope="col">About</th><th scope="col">Outcome</th><th scope="col">Recipient</th><th scope="col">Purpose</th><th scope="col">Lawful basis</th><th scope="col">Information sent</th><th scope="col">How</th><th scope="col">Decided by</th></tr></thead>
<tbody>${rows.map(
    (d) => html`<tr><td>${when(d.at)}</td><td>${about(d)}</td><td>${OUTCOME_TEXT[d.outcome] ?? d.outcome}</td><td>${partner(d.recipient)}</td><td>${d.purpose ?? '—'}</td><td>${basis(d.lawfulBasis)}</td><td>${fields(d.fieldsSent)}</td><td>${d.channel ?? '—'}</td><td>${d.decidedBy.rule ? html`sharing rule <code>${d.decidedBy.rule}</code>` : ''}${d.decidedBy.operator ? html`hub staff member ${d.decidedBy.operator}` : ''}</td></tr>`,
  )}</tbody></table>`;
}

function decisionsTable(rows: readonly ExportDecision[]): SafeHtml {
  if (rows.length === 0) return html`<p>No sharing decisions.</p>`;
  const what = (d: ExportDecision): string => (d.decision === 'share' ? 'Share' : d.decision === 'not-share' ? 'Do not share' : 'Hold for a person to decide');
  return html`<table><thead><tr><th scope="col">Date</th><th scope="col">Decision</th><th scope="col">Recipient</th><th scope="col">Purpose</th><th scope="col">Decided by</th><th scope="col">Reason</th></tr></thead>
<tbody>${rows.map(
    (d) => html`<tr><td>${when(d.decidedAt)}</td><td>${what(d)}</td><td>${partner(d.recipient)}</td><td>${d.purpose ?? '—'}</td><td>${d.decidedBy.rule ? html`rule <code>${d.decidedBy.rule}</code>` : ''}${d.decidedBy.operator ? html`staff member ${d.decidedBy.operator}` : ''}</td><td>${d.reason}</td></tr>`,
  )}</tbody></table>`;
}

function deliveriesTable(rows: readonly ExportDelivery[]): SafeHtml {
  if (rows.length === 0) return html`<p>No deliveries carried your information.</p>`;
  return html`<table><thead><tr><th scope="col">Recipient</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Delivered</th><th scope="col">How</th><th scope="col">Purpose and basis</th><th scope="col">Information sent</th><th scope="col">Recipient’s response</th></tr></thead>
<tbody>${rows.map(
    (d) => html`<tr><td>${partner(d.recipient)}</td><td>${d.status}</td><td>${when(d.createdAt)}</td><td>${when(d.deliveredAt)}</td><td>${d.channel}</td><td>${d.purpose}<br>${basis(d.lawfulBasis)}</td><td>${fields(d.fieldsSent)}</td><td>${d.feedback ? html`${d.feedback.status}, ${when(d.feedback.at)}` : '—'}</td></tr>`,
  )}</tbody></table>`;
}

function referralSection(r: ExportReferral, index: number): SafeHtml {
  const review = new Set(r.reviewBeforeRelease);
  return html`<section class="referral" aria-labelledby="ref-${index}">
<h3 id="ref-${index}">Referral ${index + 1}: from ${r.source.name}, received ${when(r.receivedAt)}</h3>
<table class="facts"><tbody>
<tr><th scope="row">Referral id</th><td><code>${r.referralId}</code></td></tr>
<tr><th scope="row">Type</th><td><code>${r.messageType}</code></td></tr>
<tr><th scope="row">Status</th><td>${r.status}; urgency ${r.urgency}</td></tr>
<tr><th scope="row">Message</th><td>${r.inboundMessage ? html`<code>${r.inboundMessage.messageId}</code> from ${partner(r.inboundMessage.sender)} (their reference <code>${r.inboundMessage.senderMessageId}</code>), received ${when(r.inboundMessage.receivedAt)}` : '—'}</td></tr>
</tbody></table>
${
  r.contentAvailable
    ? ''
    : r.erasedAt
      ? html`<p class="note warn">The content of this referral was erased ${when(r.erasedAt)} (see “Records erased”); only the facts above and the record of sharing remain.</p>`
      : html`<p class="note warn">The content of this referral could not be read when this document was prepared; the Data Protection Officer must investigate before it is released.</p>`
}
<h4>Your details</h4>
${r.you.map((y) => html`<p>Recorded as: <strong>${y.role}</strong></p>${factsTable(y.details, '/you', new Set(), 'Your details')}`)}
<h4>Your household</h4>
${factsTable(r.family, '/family', new Set(), 'Your household')}
<h4>Other people in this referral</h4>
${r.otherPeople.length === 0 ? html`<p>None.</p>` : html`<ul>${r.otherPeople.map((p) => html`<li>${p.description}</li>`)}</ul>`}
<h4>About the referral</h4>
${factsTable(r.details, '/details', review, 'About the referral')}
${r.withheld.length > 0 ? html`<h4>Withheld from this copy</h4><ul>${r.withheld.map((w) => html`<li><code>${w.pointer}</code>: ${w.reason}</li>`)}</ul>` : ''}
${r.redactions > 0 ? html`<p class="redacted">${r.redactions} ${r.redactions === 1 ? 'value' : 'values'} about other people replaced by “[another person]”.</p>` : ''}
${r.hold ? html`<h4>Held for review</h4><p>Held ${when(r.hold.heldAt)} (${r.hold.reasons.join(', ')})${r.hold.resolvedAt ? html`; resolved ${when(r.hold.resolvedAt)}: ${r.hold.resolution ?? ''}${r.hold.resolutionReason ? html` — <span class="review">${r.hold.resolutionReason}</span>` : ''}` : ''}.</p>` : ''}
<h4>Sharing decisions</h4>
${decisionsTable(r.decisions)}
<h4>Deliveries</h4>
${deliveriesTable(r.deliveries)}
</section>`;
}

function reviewed(text: string | null, pointer: string, review: ReadonlySet<string>): SafeHtml {
  if (text === null) return html`<em>could not be read</em>`;
  return review.has(pointer) ? html`<span class="review">${text}</span>` : html`${text}`;
}

function by(rule: string | null, operator: string | null): SafeHtml {
  return html`${rule ? html`retention rule <code>${rule}</code>` : ''}${operator ? html`hub staff member ${operator}` : ''}`;
}

function rightsSection(rights: ExportRights, review: ReadonlySet<string>): SafeHtml {
  const o = rights.safeguardingOverride;
  return html`<h2>Restriction, objection and safeguarding decisions</h2>
<table class="facts"><tbody>
<tr><th scope="row">Processing restricted</th><td>${rights.restricted ? html`Yes, since ${when(rights.restricted.since)} (recorded by ${rights.restricted.by})` : 'No'}</td></tr>
<tr><th scope="row">Objection recorded</th><td>${rights.objected ? html`Yes, since ${when(rights.objected.since)} (recorded by ${rights.objected.by})` : 'No'}</td></tr>
<tr><th scope="row">Safeguarding override</th><td>${o ? html`${o.active ? 'In force' : 'Ended or expired'}: set ${when(o.since)} by ${o.by}${o.until ? html`, until ${when(o.until)}` : ''}` : 'None'}</td></tr>
</tbody></table>
${
  rights.history.length === 0
    ? html`<p>No restriction, objection or safeguarding override has ever been recorded for you.</p>`
    : html`<table><thead><tr><th scope="col">Date</th><th scope="col">What was recorded</th><th scope="col">By</th><th scope="col">Reason given</th></tr></thead>
<tbody>${rights.history.map(
        (h, i) =>
          html`<tr><td>${when(h.at)}</td><td>${h.description}${h.overrideUntil ? html` (until ${when(h.overrideUntil)})` : ''}</td><td>${h.by}</td><td>${reviewed(h.reason, `/rights/history/${i}/reason`, review)}</td></tr>`,
      )}</tbody></table>`
}`;
}

function value(v: unknown): string {
  if (v === null || v === undefined) return '(none)';
  if (Array.isArray(v)) return v.map((x) => String(x)).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function rectificationsSection(rows: readonly ExportRectification[], review: ReadonlySet<string>): SafeHtml {
  return html`<h2>Corrections to your information</h2>
${
  rows.length === 0
    ? html`<p>No correction of your details has been recorded.</p>`
    : html`<p>Each correction is sent to every organisation that had received the corrected item (UK GDPR Article 19).</p>
<table><thead><tr><th scope="col">Date</th><th scope="col">Referral</th><th scope="col">Item</th><th scope="col">Was</th><th scope="col">Now</th><th scope="col">Why</th><th scope="col">Organisations told</th></tr></thead>
<tbody>${rows.map(
        (r, i) => html`<tr><td>${when(r.at)} by ${r.by}</td><td><code>${r.referralId}</code></td><td><code>${r.field}</code></td>
${
  r.valuesAvailable
    ? html`<td>${reviewed(value(r.oldValue), `/rectifications/${i}/oldValue`, review)}</td><td>${reviewed(value(r.newValue), `/rectifications/${i}/newValue`, review)}</td><td>${r.reasonCategory}: ${reviewed(r.reason, `/rectifications/${i}/reason`, review)}</td>`
    : html`<td colspan="2">${r.valuesUnavailableBecause === 'erased' ? 'erased with the referral' : 'could not be read'}</td><td>${r.reasonCategory}</td>`
}
<td>${r.recipients.length === 0 ? 'none had received it' : r.recipients.map((d, j) => html`${j > 0 ? html`<br>` : ''}${partner(d.recipient)}: ${d.status}${d.deliveredAt ? html`, ${when(d.deliveredAt)}` : ''}`)}</td></tr>`,
      )}</tbody></table>`
}`;
}

const ERASURE_REASON_TEXT: Readonly<Record<string, string>> = {
  'retention-period-ended': 'its retention period ended',
  'art17-request': 'a request for erasure (UK GDPR Article 17) was granted',
  'received-in-error': 'it was received in error',
  'court-order': 'a court ordered it',
};

function erasuresSection(rows: readonly ExportErasure[]): SafeHtml {
  return html`<h2>Records erased</h2>
${
  rows.length === 0
    ? html`<p>No record about you has been erased.</p>`
    : html`<p>These records existed and were erased by destroying the key that could read them: their content no longer exists in readable form and cannot be shown.</p>
<table><thead><tr><th scope="col">Erased</th><th scope="col">Record</th><th scope="col">Why</th><th scope="col">Decided by</th></tr></thead>
<tbody>${rows.map(
        (e) =>
          html`<tr><td>${when(e.erasedAt)}</td><td>${e.recordClass === 'referral' ? 'Referral' : 'Message'} <code>${e.recordId}</code></td><td>${ERASURE_REASON_TEXT[e.reasonCode] ?? e.reasonCode}</td><td>${by(e.decidedBy.rule, e.decidedBy.operator)}</td></tr>`,
      )}</tbody></table>`
}`;
}

function legalHoldsSection(rows: readonly ExportLegalHold[], review: ReadonlySet<string>): SafeHtml {
  return html`<h2>Legal holds</h2>
${
  rows.length === 0
    ? html`<p>No legal hold has covered your records.</p>`
    : html`<p>While a legal hold is in force, the records it covers are kept and not erased.</p>
<table><thead><tr><th scope="col">Covers</th><th scope="col">Placed</th><th scope="col">Reason</th><th scope="col">Released</th></tr></thead>
<tbody>${rows.map(
        (h, i) =>
          html`<tr><td>${h.covers === 'person' ? 'every referral you appear in' : html`referral <code>${h.referralId}</code>`}</td><td>${when(h.placedAt)} by ${h.placedBy}</td><td>${reviewed(h.reason, `/legalHolds/${i}/reason`, review)}</td><td>${h.active ? 'in force' : html`${when(h.releasedAt)} by ${h.releasedBy}: ${reviewed(h.releaseReason, `/legalHolds/${i}/releaseReason`, review)}`}</td></tr>`,
      )}</tbody></table>`
}`;
}

function requestsSection(rows: readonly ExportSubjectAccessRequest[], review: ReadonlySet<string>): SafeHtml {
  return html`<h2>Your subject access requests</h2>
${
  rows.length === 0
    ? html`<p>No subject access request has been matched to you.</p>`
    : html`<table><thead><tr><th scope="col">Request</th><th scope="col">Received</th><th scope="col">Due</th><th scope="col">Status</th></tr></thead>
<tbody>${rows.map(
        (r, i) =>
          html`<tr><td><code>${r.id}</code></td><td>${day(r.receivedOn)}</td><td>${day(r.dueOn)}${r.extendedDueOn ? html`; extended by ${r.extensionMonths ?? ''} ${r.extensionMonths === 1 ? 'month' : 'months'} to ${day(r.extendedDueOn)} (${r.extensionReason ?? ''}${r.requesterToldOn ? html`; you were told on ${day(r.requesterToldOn)}` : ''}${r.extensionNote ? html`; ${reviewed(r.extensionNote, `/subjectAccessRequests/${i}/extensionNote`, review)}` : ''})` : ''}</td><td>${r.status}${r.completedAt ? html`, ${when(r.completedAt)}` : ''}</td></tr>`,
      )}</tbody></table>`
}`;
}

function extractsSection(rows: readonly ExportEvaluationExtract[]): SafeHtml {
  return html`<h2>National evaluation (research) extracts</h2>
${
  rows.length === 0
    ? html`<p>You have not been included in a national evaluation extract.</p>`
    : html`<p>For the national evaluation of the Supporting Families programme, the council sends identifying details of the people in the families it supported, and family-level participation figures, to the evaluation. These extracts included you; each is also listed above as a disclosure.</p>
<table><thead><tr><th scope="col">Date</th><th scope="col">Referrals received</th><th scope="col">Recipient</th><th scope="col">Purpose and basis</th><th scope="col">Information sent</th></tr></thead>
<tbody>${rows.map(
        (x) =>
          html`<tr><td>${when(x.createdAt)}</td><td>${day(x.periodFrom)} up to ${day(x.periodTo)}</td><td>${partner(x.recipient)}</td><td>${x.purpose}<br>${basis({ art6: x.lawfulBasis.art6, art9: null, sch1Paragraph: null, art10: null })}</td><td>${fields(x.fieldsSent)}</td></tr>`,
      )}</tbody></table>`
}`;
}

const QUESTION_TEXT: Readonly<Record<string, string>> = {
  overall: 'Overall, how good was the support',
  listened: 'Felt listened to',
  helpful: 'The support helped',
  'easy-to-reach': 'The service was easy to reach',
};

function feedbackSection(rows: readonly ExportFeedbackAnswer[], review: ReadonlySet<string>): SafeHtml {
  return html`<h2>Your feedback about services</h2>
${
  rows.length === 0
    ? html`<p>The hub holds no feedback from you.</p>`
    : html`<p>Feedback is kept apart from your referrals. Ratings are from 1 (worst) to 5 (best).</p>
<table><thead><tr><th scope="col">Sent</th><th scope="col">About a service of type</th><th scope="col">Your ratings</th><th scope="col">What you wrote</th></tr></thead>
<tbody>${rows.map(
        (f, i) =>
          html`<tr><td>${when(f.submittedAt)}</td><td><code>${f.serviceType}</code></td><td>${Object.entries(f.ratings).map(([q, r], j) => html`${j > 0 ? html`<br>` : ''}${QUESTION_TEXT[q] ?? q}: ${r}`)}</td><td>${
            f.commentErased ? html`<em>erased</em>` : f.comment === null ? '—' : reviewed(f.comment, `/feedback/${i}/comment`, review)
          }</td></tr>`,
      )}</tbody></table>`
}`;
}

const MESSAGE_REASON_TEXT: Readonly<Record<string, string>> = {
  CONTACT_UNSAFE: 'it was not safe to contact the family',
  MESSAGE_NOT_ALLOWED: 'the family asked for no messages to be left',
  NO_CONTACT_DETAILS: 'there were no contact details to use',
  RESTRICTED: 'processing of the information was restricted',
  OBJECTED: 'an objection was recorded',
  OPTED_OUT: 'the person asked to get no messages from the hub',
  NOTIFY_NOT_CONFIGURED: 'the hub was not set up to send messages',
};

function messageStatus(m: { decision: string; reasonCode: string; status: string; channel: string | null; outcomeCode: string | null; finishedAt: string | null }): SafeHtml {
  if (m.decision === 'suppressed') return html`Not sent: ${MESSAGE_REASON_TEXT[m.reasonCode] ?? m.reasonCode} <code>${m.reasonCode}</code>`;
  const how = m.channel === 'sms' ? 'text message' : m.channel === 'email' ? 'email' : (m.channel ?? '');
  if (m.status === 'sent') return html`Sent by ${how} ${when(m.finishedAt)}`;
  if (m.status === 'failed') return html`Could not be sent by ${how}${m.outcomeCode ? html` <code>${m.outcomeCode}</code>` : ''}`;
  return html`Waiting to be sent by ${how}`;
}

function messagesSection(acks: readonly ExportAcknowledgement[], invitations: readonly ExportFeedbackInvitation[], optOut: SubjectAccessExport['messageOptOut']): SafeHtml {
  return html`<h2>Messages to your family</h2>
<p>${
    optOut
      ? html`You asked to get no messages from the hub on ${when(optOut.since)} (${optOut.source === 'console' ? html`recorded by hub staff member ${optOut.recordedBy ?? ''}` : 'in your answer to a feedback request'}).`
      : 'You have not asked to stop messages from the hub.'
  }</p>
<h3>Acknowledgements of a referral</h3>
${
  acks.length === 0
    ? html`<p>No acknowledgement was sent or considered for your referrals.</p>`
    : html`<table><thead><tr><th scope="col">Referral</th><th scope="col">Decided</th><th scope="col">What happened</th></tr></thead>
<tbody>${acks.map((a) => html`<tr><td><code>${a.referralId}</code></td><td>${when(a.decidedAt)}</td><td>${messageStatus(a)}</td></tr>`)}</tbody></table>`
}
<h3>Requests for feedback</h3>
${
  invitations.length === 0
    ? html`<p>No request for feedback was sent or considered for your referrals.</p>`
    : html`<table><thead><tr><th scope="col">Referral</th><th scope="col">Service type</th><th scope="col">Sent to</th><th scope="col">Decided</th><th scope="col">What happened</th><th scope="col">Link</th></tr></thead>
<tbody>${invitations.map(
        (v) =>
          html`<tr><td><code>${v.referralId}</code></td><td><code>${v.serviceType}</code></td><td>${v.addressedToYou ? 'you' : 'your family'}</td><td>${when(v.decidedAt)}${v.decision === 'scheduled' ? html`; due ${when(v.dueAt)}` : ''}</td><td>${messageStatus(v)}</td><td>${
            v.addressedToYou && v.linkExpiresAt ? html`${v.linkUsedAt ? html`used ${when(v.linkUsedAt)}` : 'not used'}; expires ${when(v.linkExpiresAt)}` : '—'
          }</td></tr>`,
      )}</tbody></table>`
}`;
}

function signpostSection(rows: readonly ExportSignpostShare[]): SafeHtml {
  return html`<h2>Services suggested to your family</h2>
${
  rows.length === 0
    ? html`<p>Hub staff have not recorded sharing details of any other service with your family.</p>`
    : html`<p>Hub staff recorded that they shared details of these services with your family.</p>
<table><thead><tr><th scope="col">Referral</th><th scope="col">Service</th><th scope="col">Shared</th></tr></thead>
<tbody>${rows.map(
        (x) =>
          html`<tr><td><code>${x.referralId}</code></td><td>${x.service.name}${x.service.url ? html`<br><code>${x.service.url}</code>` : ''}</td><td>${when(x.sharedAt)} by ${x.sharedBy}</td></tr>`,
      )}</tbody></table>`
}`;
}

function completenessNote(exp: SubjectAccessExport): SafeHtml {
  const c = exp.completeness;
  const problems: SafeHtml[] = [];
  if (c.deliveredWithoutLedgerRow.length > 0) problems.push(html` ${c.deliveredWithoutLedgerRow.length} delivered ${c.deliveredWithoutLedgerRow.length === 1 ? 'delivery has' : 'deliveries have'} no matching entry.`);
  if (c.disclosuresNotExplained.length > 0) problems.push(html` ${c.disclosuresNotExplained.length} ${c.disclosuresNotExplained.length === 1 ? 'entry is' : 'entries are'} about no referral or extract listed here.`);
  if (c.erasedReferralsWithoutTombstone.length > 0) problems.push(html` ${c.erasedReferralsWithoutTombstone.length} erased ${c.erasedReferralsWithoutTombstone.length === 1 ? 'referral has' : 'referrals have'} no erasure record.`);
  if (c.unreadable.length > 0) problems.push(html` ${c.unreadable.length} ${c.unreadable.length === 1 ? 'record' : 'records'} could not be read.`);
  return html`<p class="note${c.complete ? '' : ' warn'}">Completeness check: the disclosure record holds ${c.ledgerRowsForPerson} ${c.ledgerRowsForPerson === 1 ? 'entry' : 'entries'} naming you; this document lists ${c.ledgerRowsInExport}.${problems}${c.complete ? ' Nothing is missing.' : ' The Data Protection Officer must investigate before this is released.'}</p>`;
}

/** The whole document. */
export function renderSubjectAccessHtml(exp: SubjectAccessExport): string {
  const s = exp.summary;
  const review = new Set(exp.reviewBeforeRelease);
  return html`<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Information held about you — Early Help Referral Hub</title>
<style>${STYLES}</style>
</head>
<body>
<main>
<h1>Information the Early Help Referral Hub holds about you</h1>
<p>Prepared ${when(exp.generatedAt)} in answer to a subject access request (UK GDPR Article 15).</p>
<table class="facts"><tbody>
<tr><th scope="row">Your hub reference</th><td><code>${exp.subject.hubPersonId}</code>${exp.subject.linkedByNhsNumber ? ' (linked across referrals by NHS number)' : ''}</td></tr>
${exp.request ? html`<tr><th scope="row">Request</th><td><code>${exp.request.id}</code>, received ${day(exp.request.receivedOn)}, due ${day(exp.request.extendedDueOn ?? exp.request.dueOn)}</td></tr>` : ''}
</tbody></table>

<h2>How to read this document</h2>
<ul>${exp.redactionRules.map((rule) => html`<li>${rule}</li>`)}</ul>
<p class="note">To keep a copy or make a PDF, use your browser’s Print command (“Save as PDF”).</p>

<h2>Summary</h2>
<table class="facts"><tbody>
<tr><th scope="row">Referrals you appear in</th><td>${s.referrals}</td></tr>
<tr><th scope="row">Organisations that referred you</th><td>${s.sources.length === 0 ? 'none' : s.sources.map((p, i) => html`${i > 0 ? '; ' : ''}${p.name}`)}</td></tr>
<tr><th scope="row">Times your information was shared</th><td>${s.disclosures}</td></tr>
<tr><th scope="row">Organisations it was shared with</th><td>${s.recipients.length === 0 ? 'none' : s.recipients.map((p, i) => html`${i > 0 ? '; ' : ''}${p.name}`)}</td></tr>
<tr><th scope="row">Decisions not to share</th><td>${s.notDisclosed}</td></tr>
<tr><th scope="row">Processing restricted / objection recorded</th><td>${s.restricted ? 'restricted' : 'not restricted'}; ${s.objected ? 'objection recorded' : 'no objection recorded'}</td></tr>
<tr><th scope="row">Corrections of your details</th><td>${s.rectifications}</td></tr>
<tr><th scope="row">Referrals erased</th><td>${s.erasedReferrals}</td></tr>
<tr><th scope="row">Legal holds</th><td>${s.legalHolds}</td></tr>
<tr><th scope="row">National evaluation extracts including you</th><td>${s.evaluationExtracts}</td></tr>
<tr><th scope="row">Feedback you gave</th><td>${s.feedbackAnswers}</td></tr>
<tr><th scope="row">Messages about your referrals (acknowledgements / feedback requests)</th><td>${s.acknowledgements} / ${s.feedbackInvitations}${s.messageOptOut ? '; you asked to get no messages' : ''}</td></tr>
<tr><th scope="row">Services suggested to your family</th><td>${s.signpostShares}</td></tr>
</tbody></table>

<h2>Who your information was shared with</h2>
<p>Every entry in the hub’s disclosure record (ledger) that names you, oldest first: who received it, when, why, on which lawful basis, and which items of information were sent (named by their place in the referral, not repeated here).</p>
${disclosuresTable(exp.disclosures)}
${completenessNote(exp)}

${rightsSection(exp.rights, review)}
${rectificationsSection(exp.rectifications, review)}
${erasuresSection(exp.erasures)}
${legalHoldsSection(exp.legalHolds, review)}
${requestsSection(exp.subjectAccessRequests, review)}
${extractsSection(exp.evaluationExtracts)}
${feedbackSection(exp.feedback, review)}
${messagesSection(exp.acknowledgements, exp.feedbackInvitations, exp.messageOptOut)}
${signpostSection(exp.signpostShares)}

<h2>Referrals</h2>
${exp.referrals.length === 0 ? html`<p>You do not appear in any referral the hub holds.</p>` : exp.referrals.map((r, i) => referralSection(r, i))}
</main>
</body>
</html>`.value;
}
