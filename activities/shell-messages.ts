/**
 * How the `shell` executor names a command and quotes its output in summaries and failure
 * messages: short, one line, cut to a bounded length (messages end up in the workflow history).
 */
import type { ShellExecutor } from '../workflows/plan/schema';

/** A short name for the command in messages: the argv (cut to 120 characters), or `script` with its first line. */
export function describeCommand(exec: ShellExecutor): string {
  const text =
    exec.script !== undefined
      ? `script \`${exec.script.trim().split('\n')[0] ?? ''}\``
      : `\`${(exec.command ?? []).join(' ')}\``;
  return text.length > 120 ? `${text.slice(0, 117)}…\`` : text;
}

/**
 * `: <last stderr line>` (or `; last output: <last stdout line>` when stderr is empty), for
 * failure messages; empty when both streams are.
 */
export function lastLineSuffix(stderrTail: string, stdoutTail: string): string {
  const err = lastLine(stderrTail);
  if (err) return `: ${err}`;
  const out = lastLine(stdoutTail);
  return out ? `; last output: ${out}` : '';
}

/**
 * The last non-empty line of `text` (trimmed, cut to 300 characters) accepted by `keep` (default:
 * any); undefined when there is none.
 */
export function lastLine(text: string, keep: (line: string) => boolean = () => true): string | undefined {
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = (lines[i] as string).trim();
    if (line && keep(line)) return line.length > 300 ? `${line.slice(0, 299)}…` : line;
  }
  return undefined;
}

/** `350ms`, `1.2s`, `2m 5s`, `1h 3m`: how long a command ran, for its summary. */
export function formatElapsed(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)}s`;
  const s = Math.round(ms / 1_000);
  return s < 3_600 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${Math.floor(s / 3_600)}h ${Math.floor((s % 3_600) / 60)}m`;
}
