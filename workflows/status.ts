/**
 * The run status model (SPEC §4): what the `status` query returns, what `GET /api/runs/:runId`
 * serves, and the markdown progress table shown as the workflow's current details in the
 * Temporal UI. Fields may be added, never renamed.
 */

/** Run-level state; the last five are the outcomes. */
export type RunState =
  | 'running'
  | 'awaiting-approval'
  | 'held'
  | 'rolling-back'
  | 'succeeded'
  | 'rejected'
  | 'failed'
  | 'cancelled'
  | 'timed-out';

/** How a run ended. */
export type Outcome = 'succeeded' | 'rejected' | 'failed' | 'cancelled' | 'timed-out';

/** States a task step moves through. */
export type StepState = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'compensated' | 'compensation-failed';

/** States a gate moves through. */
export type GateState = 'pending' | 'checking' | 'awaiting-approval' | 'go' | 'no-go';

/** A metric value. */
export type MetricValue = number | string | boolean;

/** One attempt of a task. */
export interface AttemptRecord {
  attempt: number;
  startedAt: string;
  endedAt?: string;
  outcome?: 'succeeded' | 'failed';
  error?: string | null;
  /** For agent tasks: who claimed it. */
  claimedBy?: string | null;
}

/** An open `agent` attempt, as listed to agents. */
export interface AgentTaskState {
  attempt: number;
  claimedBy: string | null;
  claimedAt: string | null;
  lastHeartbeatAt: string | null;
  instructions?: string;
}

/** A task step in the status. */
export interface StepStatus {
  id: string;
  type: 'task';
  title?: string;
  agent?: string;
  executor: string;
  needs: string[];
  state: StepState;
  attempts: number;
  startedAt: string | null;
  endedAt: string | null;
  metrics: Record<string, MetricValue>;
  error: string | null;
  summary?: string | null;
  /** Output tails of the last attempt (shell) or response excerpt (http). */
  output?: { stdout?: string; stderr?: string; exitCode?: number; httpStatus?: number; body?: string } | null;
  attemptHistory: AttemptRecord[];
  /** Set while the task is held after exhausting its retries. */
  held?: boolean;
  /** Set while an `agent` attempt is open. */
  agentTask?: AgentTaskState | null;
}

/** A gate check and its result. */
export interface CheckResult {
  metric: string;
  op: string;
  value: MetricValue;
  actual: MetricValue | null;
  passed: boolean;
}

/** One decision on a gate. */
export interface Vote {
  approver: string;
  decision: 'go' | 'no-go';
  comment?: string;
  at: string;
  /** `update` (counted at once) or `signal`. */
  via?: 'update' | 'signal' | 'timeout';
}

/** A gate in the status. */
export interface GateStatus {
  id: string;
  type: 'gate';
  title?: string;
  needs: string[];
  state: GateState;
  checks: CheckResult[];
  votes: Vote[];
  quorum: number;
  approvers: string[];
  startedAt: string | null;
  endedAt: string | null;
  /** When approval times out (ISO), while awaiting. */
  deadline?: string | null;
  /** How the gate was decided: `checks`, `votes`, `timeout`, `automatic`. */
  decidedBy?: string | null;
}

/** One compensation, in the order run. */
export interface CompensationRecord {
  step: string;
  state: 'succeeded' | 'failed';
  at: string;
  error: string | null;
  attempts?: number;
}

/** One escalation: a task or gate stayed in one state too long. */
export interface EscalationRecord {
  step: string;
  reason: string;
  at: string;
  state?: string;
}

/** One entry of the run's event log (the audit trail beside Temporal's own history). */
export interface RunEvent {
  at: string;
  type: string;
  step?: string;
  message: string;
}

/** A child phase of a program. */
export interface PhaseRecord {
  plan: string;
  runId: string;
  outcome: Outcome | null;
  state?: RunState;
  title?: string;
}

/** The whole run status. */
export interface RunStatus {
  runId: string;
  plan: string;
  title: string;
  kind: 'phase' | 'program';
  state: RunState;
  outcome: Outcome | null;
  /** Why the run ended the way it did (the original cause of a rollback). */
  cause: string | null;
  startedAt: string;
  endedAt: string | null;
  steps: StepStatus[];
  gates: GateStatus[];
  compensations: CompensationRecord[];
  escalations: EscalationRecord[];
  events: RunEvent[];
  /** How many events were left out of `events` to bound its size (the Temporal history has them all). */
  eventsDropped?: number;
  phases?: PhaseRecord[];
}

/**
 * The status of a run that just started: state `running`, nothing done yet. `startedAt` is the
 * current (workflow) time, so call it from workflow code for a deterministic value.
 */
export function newRunStatus(runId: string, plan: { id: string; title?: string }, kind: RunStatus['kind']): RunStatus {
  return {
    runId,
    plan: plan.id,
    title: plan.title ?? plan.id,
    kind,
    state: 'running',
    outcome: null,
    cause: null,
    startedAt: new Date().toISOString(),
    endedAt: null,
    steps: [],
    gates: [],
    compensations: [],
    escalations: [],
    events: [],
  };
}

/** True when `state` is final. */
export function isOutcome(state: RunState): state is Outcome {
  return state === 'succeeded' || state === 'rejected' || state === 'failed' || state === 'cancelled' || state === 'timed-out';
}

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

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r\n|\r|\n/g, ' ');
}

/**
 * Renders the run as a markdown progress table: the workflow's current details in the Temporal UI.
 * Kept short: one row per step and gate, then votes, compensations and escalations.
 */
export function renderMarkdown(s: RunStatus): string {
  const lines: string[] = [];
  lines.push(`**${cell(s.title)}** (\`${s.plan}\`) · state **${s.state}**${s.outcome ? ` · outcome **${s.outcome}**` : ''}`);
  if (s.cause) lines.push('', `Cause: ${cell(s.cause)}`);
  if (s.phases) {
    lines.push('', '| # | phase | run | outcome |', '|---|---|---|---|');
    s.phases.forEach((p, i) => lines.push(`| ${i + 1} | ${cell(p.title ?? p.plan)} | ${p.runId} | ${p.outcome ?? p.state ?? 'pending'} |`));
  }
  if (s.steps.length + s.gates.length > 0) {
    // Big plans: show the steps that still matter (not succeeded) and count the rest, so the
    // details stay readable and cheap to render.
    const big = s.steps.length + s.gates.length > MAX_TABLE_ROWS;
    const shownSteps = big ? s.steps.filter((t) => t.state !== 'succeeded').slice(0, MAX_TABLE_ROWS) : s.steps;
    const shownGates = big ? s.gates.filter((g) => g.state !== 'go').slice(0, MAX_TABLE_ROWS) : s.gates;
    lines.push('', '| step | agent | state | attempts | details |', '|---|---|---|---|---|');
    for (const t of shownSteps) {
      const metrics = Object.entries(t.metrics)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ');
      const claim = t.agentTask?.claimedBy ? `claimed by ${t.agentTask.claimedBy}` : t.agentTask ? 'open for claim' : '';
      const details = [metrics, claim, t.held ? 'HELD: retry, skip or abort' : '', t.error ? `error: ${t.error.slice(0, 120)}` : '']
        .filter(Boolean)
        .join('; ');
      lines.push(`| ${cell(t.id)} | ${cell(t.agent ?? '')} | ${mark(t.state)} | ${t.attempts} | ${cell(details)} |`);
    }
    for (const g of shownGates) {
      const line = (c: CheckResult) => `${c.passed ? '✔' : '✘'} ${c.metric} ${c.op} ${c.value} (${c.actual ?? 'n/a'})`;
      const failed = g.checks.filter((c) => !c.passed);
      // Long check lists make the row unreadable in the UI: count them and show only the failures.
      const checks =
        g.checks.length <= 3
          ? g.checks.map(line).join(', ')
          : [`${g.checks.length - failed.length}/${g.checks.length} checks passed`, ...failed.map(line)].join(', ');
      const goVotes = g.votes.filter((v) => v.decision === 'go').length;
      const votes = g.approvers.length > 0 ? `go votes ${goVotes}/${g.quorum}` : '';
      lines.push(`| ${cell(g.id)} | gate | ${mark(g.state)} | | ${cell([checks, votes].filter(Boolean).join('; '))} |`);
    }
    if (big) {
      const hidden = s.steps.length + s.gates.length - shownSteps.length - shownGates.length;
      const done = s.steps.filter((t) => t.state === 'succeeded').length + s.gates.filter((g) => g.state === 'go').length;
      lines.push('', `${hidden} more steps not shown (${done} of ${s.steps.length + s.gates.length} done); the \`status\` query has them all.`);
    }
  }
  const votes = s.gates.flatMap((g) => g.votes.map((v) => ({ g: g.id, v })));
  if (votes.length > 0) {
    lines.push('', '| gate | approver | decision | comment | at |', '|---|---|---|---|---|');
    for (const { g, v } of votes) lines.push(`| ${cell(g)} | ${cell(v.approver)} | ${v.decision} | ${cell(v.comment ?? '')} | ${v.at} |`);
  }
  if (s.compensations.length > 0) {
    lines.push('', '| compensation | state | error |', '|---|---|---|');
    for (const c of s.compensations) lines.push(`| ${cell(c.step)} | ${c.state} | ${cell(c.error ?? '')} |`);
  }
  if (s.escalations.length > 0) {
    lines.push('', 'Escalations:');
    for (const e of s.escalations) lines.push(`- ${e.at} ${cell(e.step)}: ${cell(e.reason)}`);
  }
  return lines.join('\n');
}
