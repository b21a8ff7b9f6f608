/**
 * Escaping for text that goes into markdown the Temporal UI renders (current details, static
 * details): plan titles, comments, errors and names are data, never markup. Pure.
 */

/** Markdown punctuation that could start a link or an image, or end a table cell (emphasis is harmless and kept readable). */
const MARKDOWN_PUNCTUATION = /[\\[\]|]/g;
const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * `text` as literal markdown text: HTML special characters become entities (no `<img onerror>`),
 * link, image and table syntax is backslash-escaped (`[`, `]`, `|`, `\\`), `://` is broken up so
 * no bare URL turns into a link, and line breaks become spaces (one table cell, one line).
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[&<>"']/g, (c) => HTML[c] as string)
    .replace(MARKDOWN_PUNCTUATION, (c) => `\\${c}`)
    .replace(/:\/\//g, ':\\/\\/')
    .replace(/\r\n|\r|\n/g, ' ');
}
