/**
 * Server-side HTML for the console: a tagged template that escapes every interpolated value
 * unless it is already `SafeHtml` (the output of `html` itself). Pages never build markup by
 * string concatenation, so a value that reaches a page is escaped once, always.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c] as string);
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map((v) => render(v as HtmlValue)).join('');
  return escapeHtml(String(value));
}

/** `html\`<p>${name}</p>\`` → SafeHtml with `name` escaped. Arrays are joined; null/undefined/false render nothing. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] as string;
  for (let i = 0; i < values.length; i++) out += render(values[i] as HtmlValue) + (strings[i + 1] as string);
  return new SafeHtml(out);
}

/** Marks trusted, developer-written markup (never anything derived from a request or the store). */
export function raw(trusted: string): SafeHtml {
  return new SafeHtml(trusted);
}
