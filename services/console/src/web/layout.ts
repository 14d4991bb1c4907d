import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ConsoleRole } from './context.ts';
import { html, raw, type SafeHtml } from './html.ts';

export interface NavItem {
  href: string;
  label: string;
  roles: readonly ConsoleRole[];
}

/** The console's navigation; each link shows only to roles that may open it (the server checks again). */
export const NAV: readonly NavItem[] = [
  { href: '/', label: 'Overview', roles: ['viewer', 'operator', 'dpo', 'admin'] },
  { href: '/queues', label: 'Queues', roles: ['viewer', 'operator', 'dpo', 'admin'] },
  { href: '/referrals', label: 'Referrals', roles: ['viewer', 'operator', 'dpo', 'admin'] },
  { href: '/holds', label: 'Review hold', roles: ['viewer', 'operator', 'dpo', 'admin'] },
  { href: '/dead-letters', label: 'Dead letters', roles: ['viewer', 'operator', 'dpo', 'admin'] },
  { href: '/partners', label: 'Partners', roles: ['viewer', 'operator', 'dpo', 'admin'] },
  { href: '/ledger', label: 'Ledger', roles: ['operator', 'dpo', 'admin'] },
  { href: '/audit', label: 'Audit trail', roles: ['dpo', 'admin'] },
  { href: '/sar', label: 'Subject access', roles: ['dpo', 'admin'] },
  { href: '/retention', label: 'Retention', roles: ['dpo', 'admin'] },
  { href: '/rights', label: 'Rights', roles: ['operator', 'dpo'] },
  { href: '/statistics', label: 'Statistics', roles: ['viewer', 'operator', 'dpo', 'admin'] },
  { href: '/performance', label: 'Performance', roles: ['viewer', 'operator', 'dpo', 'admin'] },
  { href: '/extract', label: 'Evaluation extract', roles: ['dpo', 'admin'] },
];

/** The hidden CSRF field every state-changing form must include. */
export function csrfField(request: FastifyRequest): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${request.user?.csrfToken ?? ''}">`;
}

const STYLES = raw(`
:root{color-scheme:light;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;line-height:1.45}
body{margin:0;background:#f3f2f1;color:#0b0c0c}
a{color:#1d70b8}a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #fd0;outline-offset:0}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fd0;padding:6px;z-index:9}
header{background:#0b0c0c;color:#fff;padding:8px 16px;display:flex;gap:16px;align-items:center;flex-wrap:wrap}
header a{color:#fff}header nav ul{list-style:none;display:flex;gap:14px;margin:0;padding:0;flex-wrap:wrap}
header nav a[aria-current=page]{font-weight:700;text-decoration:underline 3px}
header .who{margin-left:auto;display:flex;gap:8px;align-items:center}
main{padding:16px 24px;max-width:1280px}
h1{font-size:1.6rem;margin:8px 0 16px}h2{font-size:1.2rem;margin:20px 0 8px}
table{border-collapse:collapse;width:100%;background:#fff;margin-bottom:16px}
th,td{border-bottom:1px solid #b1b4b6;padding:6px 8px;text-align:left;vertical-align:top;font-size:.92rem}
th{background:#e8e8e8}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{background:#fff;border-left:5px solid #1d70b8;padding:10px 14px;min-width:150px}
.card strong{display:block;font-size:1.5rem}
.warn{border-left-color:#d4351c}.ok{border-left-color:#00703c}
.tag{display:inline-block;padding:1px 6px;border-radius:3px;background:#ddd;font-size:.8rem}
.tag.open,.tag.dead,.tag.missed,.tag.failed,.tag.denied{background:#d4351c;color:#fff}
.tag.closed-breaker,.tag.delivered,.tag.ok{background:#00703c;color:#fff}
.tag.half-open,.tag.pending,.tag.held{background:#f47738;color:#000}
form.inline{display:inline}
label{display:block;font-weight:600;margin:6px 0 2px}
input[type=text],input[type=password],input[type=search],input[type=date],select,textarea{font:inherit;padding:4px 6px;border:2px solid #0b0c0c;max-width:100%}
button{font:inherit;background:#00703c;color:#fff;border:0;padding:6px 12px;cursor:pointer;box-shadow:0 2px 0 #002d18}
button.secondary{background:#f3f2f1;color:#0b0c0c;box-shadow:0 2px 0 #929191;border:1px solid #929191}
button.danger{background:#d4351c;box-shadow:0 2px 0 #55150b}
.error-summary{border:4px solid #d4351c;background:#fff;padding:10px 14px;margin-bottom:14px}
.notice{border-left:5px solid #1d70b8;background:#fff;padding:10px 14px;margin-bottom:14px}
.masked{font-family:ui-monospace,Menlo,Consolas,monospace}
.bar{display:inline-block;background:#1d70b8;height:12px;vertical-align:middle}
.filters{display:flex;gap:12px;flex-wrap:wrap;align-items:flex-end;background:#fff;padding:10px;margin-bottom:12px}
.filters label{margin:0}
`);

/** The CSP source allowing exactly the layout's own <style> block (no 'unsafe-inline'). */
export const LAYOUT_STYLE_CSP_SOURCE = `'sha256-${createHash('sha256').update(STYLES.value).digest('base64')}'`;

export interface PageOptions {
  title: string;
  body: SafeHtml;
  /** Seconds between automatic refreshes (overview); none by default. */
  refreshSeconds?: number;
  /** Messages shown above the page body (already written for the user; never echo input). */
  notice?: string;
  errors?: string[];
}

/** A whole console page: header with the user's navigation and a sign-out form, then the body. */
export function renderPage(request: FastifyRequest, opts: PageOptions): string {
  const user = request.user;
  const path = request.url.split('?')[0];
  const nav = user
    ? NAV.filter((item) => item.roles.includes(user.role)).map(
        (item) => html`<li><a href="${item.href}"${item.href === path ? raw(' aria-current="page"') : ''}>${item.label}</a></li>`,
      )
    : [];
  return html`<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${opts.refreshSeconds ? html`<meta http-equiv="refresh" content="${opts.refreshSeconds}">` : ''}
<title>${opts.title} — Early Help Referral Hub</title>
<style>${STYLES}</style>
</head>
<body>
<a class="skip" href="#main">Skip to main content</a>
<header>
<strong>Early Help Referral Hub</strong>
${user ? html`<nav aria-label="Main"><ul>${nav}</ul></nav>
<div class="who"><span>${user.username} (${user.role})</span>
<form class="inline" method="post" action="/logout">${csrfField(request)}<button class="secondary" type="submit">Sign out</button></form></div>` : ''}
</header>
<main id="main" tabindex="-1">
<h1>${opts.title}</h1>
${opts.errors && opts.errors.length > 0 ? html`<div class="error-summary" role="alert"><h2>There is a problem</h2><ul>${opts.errors.map((e) => html`<li>${e}</li>`)}</ul></div>` : ''}
${opts.notice ? html`<div class="notice" role="status">${opts.notice}</div>` : ''}
${opts.body}
</main>
</body>
</html>`.value;
}
