/**
 * Small presentational pieces shared by the pages: state badges (an icon AND a word, so state is
 * never conveyed by colour alone), times, metric values.
 */
import { html, type SafeHtml } from './html';

/**
 * Icons per state; purely decorative (hidden from screen readers), the word carries the meaning.
 * Only glyphs that common system fonts (DejaVu included, as in headless Chromium) can draw.
 */
const ICONS: Record<string, string> = {
  pending: '○',
  running: '▶',
  checking: '⋯',
  'awaiting-approval': '◷',
  held: '‖',
  'rolling-back': '↺',
  succeeded: '✔',
  go: '✔',
  failed: '✘',
  'no-go': '✘',
  rejected: '✘',
  cancelled: '■',
  'timed-out': '◔',
  skipped: '↷',
  compensated: '↺',
  'compensation-failed': '!',
};

/** The CSS tone of a state: colours live in the stylesheet, keyed by these names. */
export function tone(state: string): 'ok' | 'bad' | 'wait' | 'busy' | 'undone' | 'idle' {
  switch (state) {
    case 'succeeded':
    case 'go':
      return 'ok';
    case 'failed':
    case 'no-go':
    case 'rejected':
    case 'timed-out':
    case 'compensation-failed':
      return 'bad';
    case 'awaiting-approval':
    case 'held':
    case 'checking':
      return 'wait';
    case 'running':
    case 'rolling-back':
      return 'busy';
    case 'compensated':
    case 'cancelled':
      return 'undone';
    default:
      return 'idle';
  }
}

/** A state badge: icon (decorative) + the state's name. */
export function badge(state: string): SafeHtml {
  const icon = ICONS[state] ?? '•';
  return html`<span class="badge tone-${tone(state)}"><span aria-hidden="true">${icon}</span> ${state}</span>`;
}

/** An ISO time as `<time>`, shown in UTC to the second (the Temporal UI's default zone, so both read alike). */
export function when(iso: string | null | undefined): SafeHtml {
  if (!iso) return html`<span class="muted">—</span>`;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return html`${iso}`;
  const text = `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  return html`<time datetime="${d.toISOString()}">${text}</time>`;
}

/** A metric or threshold value as text (strings quoted, so `"2.0.0"` and `2` read differently). */
export function metricText(value: unknown): string {
  if (value === null || value === undefined) return 'n/a';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

/** The link of a run page. */
export function runHref(runId: string): string {
  return `/runs/${encodeURIComponent(runId)}`;
}
