import { describe, expect, it } from 'vitest';
import { escapeHtml, html, raw } from './html.ts';

describe('html template', () => {
  it('escapes every interpolated value once, and nested html not again', () => {
    const name = `<script>alert("x")</script>&'\``;
    const inner = html`<b>${name}</b>`;
    const out = html`<p title="${name}">${inner}${[1, html`<i>${'<'}</i>`]}${null}${undefined}${false}</p>`.value;
    expect(out).toBe('<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;&#96;"><b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;&#96;</b>1<i>&lt;</i></p>');
    expect(out).not.toContain('<script>');
  });

  it('passes developer-written markup through raw() only', () => {
    expect(html`${raw('<br>')}${'<br>'}`.value).toBe('<br>&lt;br&gt;');
    expect(escapeHtml('a&b')).toBe('a&amp;b');
  });
});
