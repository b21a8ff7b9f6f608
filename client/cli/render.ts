/**
 * Human-friendly output of the CLI: tables of a run's steps, gates and votes, of runs and of plans.
 * Colour only on a terminal (and never when `NO_COLOR` is set), so piped output stays plain.
 */
import Table from 'cli-table3';
import type { GateStatus, RunStatus, StepStatus } from '../../workflows/status';
import type { AgentTask, PlanSummary, RunListItem } from '../api/schemas';
import { formatDuration } from '../../workflows/plan/duration';

/** Whether to use ANSI colours on `stream`. */
export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR;
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90 } as const;
type ColorName = keyof typeof CODES;

/** Paints text when colours are on. */
export type Paint = (color: ColorName, text: string) => string;

/** A painter for the given setting. */
export function painter(enabled: boolean): Paint {
  return (color, text) => (enabled ? `\x1b[${CODES[color]}m${text}\x1b[0m` : text);
}

const STATE_COLOR: Record<string, ColorName> = {
  pending: 'gray',
  running: 'blue',
  checking: 'blue',
  'awaiting-approval': 'yellow',
  held: 'yellow',
  'rolling-back': 'magenta',
  succeeded: 'green',
  go: 'green',
  skipped: 'gray',
  compensated: 'magenta',
  failed: 'red',
  'no-go': 'red',
  rejected: 'red',
  cancelled: 'red',
  'timed-out': 'red',
  'compensation-failed': 'red',
};

function state(paint: Paint, s: string): string {
  const color = STATE_COLOR[s];
  return color ? paint(color, s) : s;
}

function table(head: string[], paint: Paint): Table.Table {
  return new Table({ head: head.map((h) => paint('cyan', h)), style: { head: [], border: [] }, wordWrap: true });
}

function since(start: string | null, end: string | null, now: number): string {
  if (!start) return '';
  const ms = (end ? Date.parse(end) : now) - Date.parse(start);
  return Number.isFinite(ms) && ms >= 0 ? formatDuration(ms) : '';
}

function metricsText(m: Record<string, unknown>): string {
  return Object.entries(m)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
}

function stepDetails(s: StepStatus): string {
  const parts: string[] = [];
  const metrics = metricsText(s.metrics);
  if (metrics) parts.push(metrics);
  if (s.agentTask)
    parts.push(
      s.agentTask.claimedBy
        ? `claimed by ${s.agentTask.claimedBy} (attempt ${s.agentTask.attempt})`
        : `open for claim (attempt ${s.agentTask.attempt})`,
    );
  if (s.held) parts.push('HELD: phase retry|skip');
  if (s.error) parts.push(`error: ${s.error.slice(0, 160)}`);
  else if (s.summary) parts.push(s.summary.slice(0, 160));
  return parts.join('\n');
}

function gateDetails(g: GateStatus, paint: Paint): string {
  const parts = g.checks.map(
    (c) =>
      `${c.passed ? paint('green', '✔') : paint('red', '✘')} ${c.metric} ${c.op} ${String(c.value)} (actual ${c.actual === null ? 'n/a' : String(c.actual)})`,
  );
  if (g.approvers.length > 0) {
    const go = g.votes.filter((v) => v.decision === 'go').length;
    const shown = g.approvers.map((a) =>
      a.startsWith('group:') && g.approverGroups
        ? `${a} (${(g.approverGroups[a.slice('group:'.length)] ?? []).join(', ') || 'no members'})`
        : a,
    );
    parts.push(`go votes ${go}/${g.quorum} · approvers: ${shown.join(', ')}`);
  }
  if (g.deadline && g.state === 'awaiting-approval') parts.push(`decide before ${g.deadline}`);
  return parts.join('\n');
}

/**
 * Rows ordered by dependency depth (steps with no needs first), keeping the status order within a
 * depth: the status lists tasks and gates separately, but a reader follows the flow.
 */
export function inDependencyOrder<T extends { id: string; needs: readonly string[] }>(rows: readonly T[]): T[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const depth = new Map<string, number>();
  const depthOf = (id: string, seen: Set<string>): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    const row = byId.get(id);
    if (!row || seen.has(id)) return 0; // unknown or cyclic: validated plans have neither
    seen.add(id);
    const d = row.needs.reduce((max, n) => Math.max(max, depthOf(n, seen) + 1), 0);
    depth.set(id, d);
    return d;
  };
  return rows
    .map((row, index) => ({ row, index, d: depthOf(row.id, new Set()) }))
    .sort((a, b) => a.d - b.d || a.index - b.index)
    .map((x) => x.row);
}

/** The whole run as text: header, steps and gates, votes, compensations, escalations. */
export function renderStatus(s: RunStatus, paint: Paint, now = Date.now()): string {
  const out: string[] = [];
  out.push(...statusHeader(s, paint, now));
  if (s.phases && s.phases.length > 0) out.push(phasesTable(s.phases, paint));
  if (s.steps.length + s.gates.length > 0) out.push(stepsTable(s, paint, now));
  const votes = s.gates.flatMap((g) => g.votes.map((v) => ({ gate: g.id, v })));
  if (votes.length > 0) {
    const t = table(['gate', 'approver', 'decision', 'comment', 'at'], paint);
    for (const { gate, v } of votes) t.push([gate, v.approver, state(paint, v.decision), v.comment ?? '', v.at]);
    out.push('votes', t.toString());
  }
  if (s.compensations.length > 0) {
    const t = table(['compensation', 'state', 'at', 'error'], paint);
    for (const c of s.compensations) t.push([c.step, state(paint, c.state), c.at, c.error ?? '']);
    out.push('rollback', t.toString());
  }
  if (s.escalations.length > 0) {
    out.push('escalations');
    for (const e of s.escalations) out.push(`  ${paint('yellow', '!')} ${e.at} ${e.step}: ${e.reason}`);
  }
  return out.join('\n');
}

/** The run's id and title, its state, outcome and times, and its cause when it has one. */
function statusHeader(s: RunStatus, paint: Paint, now: number): string[] {
  const lines = [
    `${paint('cyan', s.runId)}  ${s.title} (${s.plan})`,
    `state ${state(paint, s.state)}${s.outcome ? ` · outcome ${state(paint, s.outcome)}` : ''} · ${s.startedAt ? `started ${s.startedAt}` : `not started${s.startAt ? `: scheduled for ${s.startAt}` : ''}`}${s.endedAt ? ` · ended ${s.endedAt}` : ''} · ${since(s.startedAt, s.endedAt, now)}`,
  ];
  if (s.cause) lines.push(`cause: ${s.cause}`);
  return lines;
}

/** A program's phases, in order, each with its run and state. */
function phasesTable(phases: NonNullable<RunStatus['phases']>, paint: Paint): string {
  const t = table(['#', 'phase', 'run', 'state'], paint);
  phases.forEach((p, i) =>
    t.push([
      String(i + 1),
      p.title ?? p.plan,
      p.runId ?? 'not started',
      state(paint, p.outcome ?? p.state ?? 'pending'),
    ]),
  );
  return t.toString();
}

/** Steps and gates in one table, in dependency order. */
function stepsTable(s: RunStatus, paint: Paint, now: number): string {
  const t = table(['step', 'type', 'agent', 'state', 'tries', 'time', 'details'], paint);
  const rows = [
    ...s.steps.map((step) => ({
      id: step.id,
      needs: step.needs,
      cells: [
        step.id,
        step.executor,
        step.agent ?? '',
        state(paint, step.state),
        String(step.attempts),
        since(step.startedAt, step.endedAt, now),
        stepDetails(step),
      ],
    })),
    ...s.gates.map((g) => ({
      id: g.id,
      needs: g.needs,
      cells: [g.id, 'gate', '', state(paint, g.state), '', since(g.startedAt, g.endedAt, now), gateDetails(g, paint)],
    })),
  ];
  for (const row of inDependencyOrder(rows)) t.push(row.cells);
  return t.toString();
}

/** Runs as a table. */
export function renderRuns(runs: readonly RunListItem[], paint: Paint): string {
  if (runs.length === 0) return 'no runs';
  const t = table(['run', 'plan', 'state', 'temporal', 'started', 'closed'], paint);
  for (const r of runs)
    t.push([r.runId, r.plan ?? '', state(paint, r.state ?? ''), r.status, r.startTime ?? '', r.closeTime ?? '']);
  return t.toString();
}

/** Bundled plans as a table. */
export function renderPlans(plans: readonly PlanSummary[], paint: Paint): string {
  if (plans.length === 0) return 'no bundled plans';
  const t = table(['plan', 'kind', 'title', 'steps'], paint);
  for (const p of plans)
    t.push([
      p.id,
      p.kind,
      p.title,
      p.kind === 'program' ? `${(p.phases ?? []).length} phases` : `${p.steps.length} steps`,
    ]);
  return t.toString();
}

/** Open agent tasks as a table. */
export function renderTasks(tasks: readonly AgentTask[], paint: Paint): string {
  if (tasks.length === 0) return 'no open tasks';
  const t = table(['run', 'step', 'title', 'attempt', 'claimed by'], paint);
  for (const x of tasks) t.push([x.runId, x.stepId, x.title ?? '', String(x.attempt), x.claimedBy ?? '']);
  return t.toString();
}

/** One line about a gate after a vote. */
export function renderGate(g: GateStatus, paint: Paint): string {
  const go = g.votes.filter((v) => v.decision === 'go').length;
  return `gate ${g.id}: ${state(paint, g.state)} (go votes ${go}/${g.quorum})`;
}
