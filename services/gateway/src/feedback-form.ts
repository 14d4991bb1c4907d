// GET /feedback: a plain feedback form a family reaches from their invitation's link
// (`<HUB_FEEDBACK_FORM_URL>#token=<token>`; point HUB_FEEDBACK_FORM_URL at this page to use it). The
// token is in the fragment, so it never reaches this server in the page request; the page's script
// reads it, takes it out of the address bar, and sends the answer to POST /v1/feedback (same
// origin) with `Authorization: Bearer <token>`. The page is static: nothing about the family is in
// it, and it answers the same for everyone. A council can use its own form instead (docs/api).
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { FEEDBACK_ROUTE } from './feedback.ts';

export const FEEDBACK_FORM_ROUTE = '/feedback';

/** Question ids (schemas/inbound/family.feedback.submitted.v1.json) and how the form asks them. */
export const FORM_QUESTIONS: readonly { id: string; text: string }[] = [
  { id: 'overall', text: 'Overall, how good was the support your family got?' },
  { id: 'listened', text: 'Did you feel listened to?' },
  { id: 'helpful', text: 'Did the support help your family?' },
  { id: 'easy-to-reach', text: 'Was the service easy to get hold of?' },
];

const SCALE = ['Very poor', 'Poor', 'OK', 'Good', 'Very good'];

const STYLE = `body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#0b0c0c}
fieldset{border:0;padding:0;margin:0 0 1.5rem}legend{font-weight:700;margin-bottom:.5rem}
.scale label{display:inline-block;margin:0 1rem .25rem 0}textarea{width:100%;min-height:6rem;font:inherit}
button{font:inherit;padding:.5rem 1rem;background:#00703c;color:#fff;border:0;cursor:pointer}
[role=alert]{border-left:5px solid #d4351c;padding:.5rem 1rem;margin-bottom:1rem}[role=status]{border-left:5px solid #00703c;padding:.5rem 1rem}
.hint{color:#505a5f}`;

// Reads the token from the fragment (and removes it from the address bar and history), then posts
// the answer. Messages are fixed text: nothing the family typed is written back into the page.
const SCRIPT = `(function(){
var m=/(?:^|[#&])token=([A-Za-z0-9_-]{43})(?:&|$)/.exec(location.hash);var token=m?m[1]:null;
if(location.hash){history.replaceState(null,'',location.pathname);}
var form=document.getElementById('feedback');var box=document.getElementById('message');
function say(text,role){box.textContent=text;box.setAttribute('role',role);box.hidden=false;box.focus();}
if(!token){form.hidden=true;say('Please open this page from the link in the message we sent you.','alert');return;}
form.addEventListener('submit',function(e){e.preventDefault();
var ratings={};${JSON.stringify(FORM_QUESTIONS.map((q) => q.id))}.forEach(function(id){var c=form.querySelector('input[name="'+id+'"]:checked');if(c){ratings[id]=Number(c.value);}});
var data={};if(Object.keys(ratings).length){data.ratings=ratings;}
var comment=form.comment.value.trim();if(comment){data.comment=comment;}
if(form.noMoreRequests.checked){data.noMoreRequests=true;}
if(!data.ratings&&!data.noMoreRequests){say('Please answer at least one question.','alert');return;}
var button=form.querySelector('button');button.disabled=true;
fetch(${JSON.stringify(FEEDBACK_ROUTE)},{method:'POST',headers:{'content-type':'application/json','authorization':'Bearer '+token},credentials:'omit',
body:JSON.stringify({type:'family.feedback.submitted',timestamp:new Date().toISOString(),data:data})}).then(function(r){
if(r.status===201){form.hidden=true;token=null;say('Thank you. We have your answers.','status');return;}
button.disabled=false;
if(r.status===401){form.hidden=true;token=null;say('This link has expired or has already been used.','alert');}
else if(r.status===422||r.status===400){say('Please check your answers: something could not be accepted.','alert');}
else{say('Sorry, we could not take your answers just now. Please try again later.','alert');}
},function(){button.disabled=false;say('Sorry, we could not take your answers just now. Please try again later.','alert');});});
})();`;

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Only the page's own style block and script; answers go to this origin only; never framed. */
export const FEEDBACK_FORM_CSP = `default-src 'none'; style-src ${sha256(STYLE)}; script-src ${sha256(SCRIPT)}; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'`;

function question(q: { id: string; text: string }): string {
  const options = SCALE.map((label, i) => `<label><input type="radio" name="${q.id}" value="${i + 1}"> ${i + 1} – ${label}</label>`).join('');
  return `<fieldset class="scale"><legend>${q.text}</legend>${options}</fieldset>`;
}

export const FEEDBACK_FORM_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>Tell us how we did – Early Help</title><style>${STYLE}</style></head>
<body><main>
<h1>Tell us how we did</h1>
<p>Your answers help us improve the support we give families. Every question is optional. We report answers only as numbers for groups of families, never by name.</p>
<div id="message" tabindex="-1" hidden></div>
<form id="feedback" novalidate>
${FORM_QUESTIONS.map(question).join('\n')}
<p><label for="comment"><strong>Anything else you would like to tell us?</strong></label><br><span class="hint">Optional. Please do not include anyone's name. Up to 2,000 characters.</span><br>
<textarea id="comment" name="comment" maxlength="2000"></textarea></p>
<p><label><input type="checkbox" name="noMoreRequests"> Please do not send me messages like this again</label></p>
<p><button type="submit">Send my answers</button></p>
</form>
</main><script>${SCRIPT}</script></body></html>
`;

export function registerFeedbackForm(app: FastifyInstance): void {
  app.get(FEEDBACK_FORM_ROUTE, async (_request, reply) =>
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', FEEDBACK_FORM_CSP)
      .header('referrer-policy', 'no-referrer')
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .send(FEEDBACK_FORM_HTML),
  );
}
