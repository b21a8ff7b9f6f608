/**
 * The run as a markdown progress table: the workflow's current details in the Temporal UI (both
 * workflows set it). Pure: rendering is not a command, so it may change without breaking replay.
 */
import type { CheckResult, GateStatus, RunStatus, StepStatus } from './status';
import { escapeMarkdown } from './markdown-escape';

// Plain text marks (no emoji): they render in every font, including headless browsers'.
const ICON: Record<string, string> = {
  running: '▶',
  succeeded: '✔',
  go: '✔',
  failed: '✘',
  'no-go': '✘',
  'compensation-failed': '!',
};

/** Above this many steps and gates, the table lists only those not done yet. */
export const MAX_TABLE_ROWS = 60;

function mark(state: string): string {
  return ICON[state] ? `${ICON[state]} ${state}` : state;
}

/** Text from the plan, the run or people (titles, comments, errors): escaped, never markup. */
function cell(text: string): string {
  // "8/8" would show as a fraction glyph in the Temporal UI: keep the numbers apart.
  return escapeMarkdown(text).replace(/(\d)\/(\d)/g, '$1 / $2');
}

function stepRow(t: StepStatus): string {
  const metrics = Object.entries(t.metrics)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
  const claim = t.agentTask?.claimedBy ? `claimed by ${t.agentTask.claimedBy}` : t.agentTask ? 'open for claim' : '';
  const details = [
    metrics,
    claim,
    t.held ? 'HELD: retry, skip or abort' : '',
    t.error ? `error: ${t.error.slice(0, 120)}` : '',
  ]
    .filter(Boolean)
    .join('; ');
  return `| ${cell(t.id)} | ${cell(t.agent ?? '')} | ${mark(t.state)} | ${t.attempts} | ${cell(details)} |`;
}

function gateRow(g: GateStatus): string {
  // Operators stay readable (`<`, `>=`): only the values, which may be any string, are escaped.
  const line = (c: CheckResult) =>
    `${c.passed ? '✔' : '✘'} ${cell(c.metric)} ${c.op} ${cell(String(c.value))} (${cell(String(c.actual ?? 'n/a'))})`;
  const failed = g.checks.filter((c) => !c.passed);
  // Long check lists make the row unreadable in the UI: count them and show only the failures.
  const checks =
    g.checks.length <= 3
      ? g.checks.map(line).join(', ')
      : [`${g.checks.length - failed.length} of ${g.checks.length} checks passed`, ...failed.map(line)].join(', ');
  const goVotes = g.votes.filter((v) => v.decision === 'go').length;
  const votes = g.approvers.length > 0 ? `go votes ${goVotes} of ${g.quorum}` : '';
  return `| ${cell(g.id)} | gate | ${mark(g.state)} | | ${[checks, votes].filter(Boolean).join('; ')} |`;
}

function stepTable(s: RunStatus, lines: string[]): void {
  if (s.steps.length + s.gates.length === 0) return;
  // Big plans: show the steps that still matter (not succeeded) and count the rest, so the
  // details stay readable and cheap to render.
  const big = s.steps.length + s.gates.length > MAX_TABLE_ROWS;
  const shownSteps = big ? s.steps.filter((t) => t.state !== 'succeeded').slice(0, MAX_TABLE_ROWS) : s.steps;
  const shownGates = big ? s.gates.filter((g) => g.state !== 'go').slice(0, MAX_TABLE_ROWS) : s.gates;
  lines.push('', '| step | agent | state | attempts | details |', '|---|---|---|---|---|');
  for (const t of shownSteps) lines.push(stepRow(t));
  for (const g of shownGates) lines.push(gateRow(g));
  if (big) {
    const hidden = s.steps.length + s.gates.length - shownSteps.length - shownGates.length;
    const done = s.steps.filter((t) => t.state === 'succeeded').length + s.gates.filter((g) => g.state === 'go').length;
    lines.push(
      '',
      `${hidden} more steps not shown (${done} of ${s.steps.length + s.gates.length} done); the \`status\` query has them all.`,
    );
  }
}

function trailingTables(s: RunStatus, lines: string[]): void {
  const votes = s.gates.flatMap((g) => g.votes.map((v) => ({ g: g.id, v })));
  if (votes.length > 0) {
    lines.push('', '| gate | approver | decision | comment | at |', '|---|---|---|---|---|');
    for (const { g, v } of votes)
      lines.push(`| ${cell(g)} | ${cell(v.approver)} | ${cell(v.decision)} | ${cell(v.comment ?? '')} | ${v.at} |`);
  }
  if (s.compensations.length > 0) {
    lines.push('', '| compensation | state | error |', '|---|---|---|');
    for (const c of s.compensations) lines.push(`| ${cell(c.step)} | ${c.state} | ${cell(c.error ?? '')} |`);
  }
  if (s.escalations.length > 0) {
    lines.push('', 'Escalations:');
    for (const e of s.escalations) lines.push(`- ${e.at} ${cell(e.step)}: ${cell(e.reason)}`);
  }
}

/**
 * Renders the run as a markdown progress table: the workflow's current details in the Temporal UI.
 * Kept short: one row per step and gate, then votes, compensations and escalations.
 */
export function renderMarkdown(s: RunStatus): string {
  const lines: string[] = [];
  lines.push(
    `**${cell(s.title)}** (\`${s.plan}\`) · state **${s.state}**${s.outcome ? ` · outcome **${s.outcome}**` : ''}`,
  );
  if (s.cause) lines.push('', `Cause: ${cell(s.cause)}`);
  if (s.phases) {
    lines.push('', '| # | phase | run | outcome |', '|---|---|---|---|');
    s.phases.forEach((p, i) =>
      lines.push(
        `| ${i + 1} | ${cell(p.title ?? p.plan)} | ${cell(p.runId ?? '')} | ${p.outcome ?? p.state ?? 'pending'} |`,
      ),
    );
  }
  stepTable(s, lines);
  trailingTables(s, lines);
  return lines.join('\n');
}
