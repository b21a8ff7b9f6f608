/**
 * HTML building with escaping by default. Every interpolated value is escaped unless it is already
 * {@link SafeHtml} (the output of another `html` template), so plan titles, comments, step ids and
 * error messages — all user data — can never become markup. There is deliberately no helper that
 * turns an arbitrary string into `SafeHtml`.
 */

/** A fragment of HTML that is safe to insert as is: built only by {@link html}. */
export class SafeHtml {
  /** @internal use {@link html}; the constructor is not meant for user data. */
  constructor(readonly value: string) {}

  /** The markup. */
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for use in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}

/** What may be interpolated: text (escaped), fragments, lists of either; `null`/`undefined`/`false` render nothing. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  return escapeHtml(String(value));
}

/**
 * Tagged template: `html\`<p>${comment}</p>\`` escapes `comment`. Only the literal parts of the
 * template (written in this code base) are trusted.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** Joins fragments with a separator (escaped like any other value). */
export function joinHtml(items: readonly HtmlValue[], separator: HtmlValue = ''): SafeHtml {
  return new SafeHtml(items.map(render).join(render(separator)));
}

/** An id safe to use in `id`/`for`/`aria-*` attributes, derived from arbitrary text (stable, collision-resistant enough for one page). */
export function domId(...parts: string[]): string {
  return parts.map((p) => p.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`)).join('--');
}
