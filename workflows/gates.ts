/**
 * Gate rules as pure functions: check evaluation and decision validation. Shared by the workflow's
 * Update validator, its Signal handler and unit tests.
 */
import type { Check } from './plan/schema';
import type { CheckResult, GateStatus, MetricValue } from './status';
import type { Decision, RejectionType } from './messages';
import { approverGroups, eligibleVoters, groupOf } from './plan/groups';

function asNumber(v: MetricValue): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  return undefined;
}

/**
 * Compares `actual` with a check's `value`. Ordering operators need two numbers (numeric strings
 * count); `==`/`!=` compare numbers numerically and anything else by identity. A missing metric
 * (`undefined`) never passes.
 */
export function checkPasses(op: Check['op'], actual: MetricValue | undefined, value: MetricValue): boolean {
  if (actual === undefined) return false;
  const a = asNumber(actual);
  const b = asNumber(value);
  const numeric = a !== undefined && b !== undefined;
  switch (op) {
    case '==':
      return numeric ? a === b : actual === value;
    case '!=':
      return numeric ? a !== b : actual !== value;
    case '<':
      return numeric && a < b;
    case '<=':
      return numeric && a <= b;
    case '>':
      return numeric && a > b;
    case '>=':
      return numeric && a >= b;
  }
}

/** Evaluates every check against `metricsOf(stepId)`; results keep the plan's order. */
export function evaluateChecks(
  checks: readonly Check[],
  metricsOf: (stepId: string) => Record<string, MetricValue> | undefined,
): CheckResult[] {
  return checks.map((c) => {
    const dot = c.metric.indexOf('.');
    const metrics = metricsOf(c.metric.slice(0, dot));
    const name = c.metric.slice(dot + 1);
    // Own properties only: `constructor`, `__proto__` … of a task that never reported them are missing, not Object's.
    const actual = metrics && Object.hasOwn(metrics, name) ? metrics[name] : undefined;
    return {
      metric: c.metric,
      op: c.op,
      value: c.value,
      actual: actual ?? null,
      passed: checkPasses(c.op, actual, c.value),
    };
  });
}

/** Why a decision cannot count now, or `null` when it can. */
export interface DecisionRejection {
  type: RejectionType;
  message: string;
}

/** Checks the payload shape of a decision (it may come from a hand-typed signal). */
export function decisionShapeProblem(d: unknown): string | null {
  if (typeof d !== 'object' || d === null) return 'a decision is an object {gate, decision, approver, comment?}';
  const { gate, decision, approver, comment } = d as Partial<Decision>;
  if (typeof gate !== 'string' || gate === '') return 'gate: required string';
  if (decision !== 'go' && decision !== 'no-go') return 'decision: must be "go" or "no-go"';
  if (typeof approver !== 'string' || approver.trim() === '') return 'approver: required string';
  if (comment !== undefined && typeof comment !== 'string') return 'comment: must be a string';
  return null;
}

/** An identity that may not vote on a gate under `separateDuties`, and why. */
export interface BarredVoter {
  identity: string;
  why: string;
}

/** What a decision is judged by besides the gate: group members (from the run's input) and barred voters. */
export interface DecisionContext {
  /** Group name → members, as the run was started with. */
  groups?: Readonly<Record<string, readonly string[]>>;
  /** Under `separateDuties`: the starter and every lease holder of a task the gate needs. */
  barred?: readonly BarredVoter[];
}

function approverProblem(d: Decision, gate: GateStatus, ctx: DecisionContext): DecisionRejection | null {
  if (gate.approvers.length === 0) return null;
  if (gate.approvers.includes(d.approver) && groupOf(d.approver) === undefined) return null;
  if (eligibleVoters(gate.approvers, ctx.groups).includes(d.approver)) return null;
  const groups = approverGroups(gate.approvers, ctx.groups);
  const shown = gate.approvers.map((a) => {
    const g = groupOf(a);
    return g === undefined ? a : `${a} (${groups[g]?.join(', ') || 'no members'})`;
  });
  return {
    type: 'Forbidden',
    message: `"${d.approver}" is not an approver of gate "${gate.id}" (approvers: ${shown.join(', ')})`,
  };
}

/**
 * Validates a decision against a gate, in this order: payload, unknown gate, approver not on the
 * list (nor a member of a group on it), barred by separation of duties, second vote, gate not
 * awaiting a decision. `allowNotAwaiting` skips the last rule (used to queue early signal decisions).
 */
export function validateDecision(
  d: Decision,
  gate: GateStatus | undefined,
  allowNotAwaiting = false,
  ctx: DecisionContext = {},
): DecisionRejection | null {
  const shape = decisionShapeProblem(d);
  if (shape) return { type: 'Invalid', message: shape };
  if (!gate) return { type: 'NotFound', message: `unknown gate "${d.gate}"` };
  const notApprover = approverProblem(d, gate, ctx);
  if (notApprover) return notApprover;
  const barred = ctx.barred?.find((b) => b.identity === d.approver);
  if (barred) {
    return {
      type: 'Forbidden',
      message: `"${d.approver}" may not vote on gate "${gate.id}": separation of duties (${barred.why})`,
    };
  }
  if (d.linkNonce !== undefined && gate.votes.some((v) => v.linkNonce === d.linkNonce)) {
    return {
      type: 'Conflict',
      message: `this approval link was already used (by "${d.approver}" on gate "${gate.id}")`,
    };
  }
  if (gate.votes.some((v) => v.approver === d.approver)) {
    return { type: 'Conflict', message: `"${d.approver}" has already voted on gate "${gate.id}"` };
  }
  if (!allowNotAwaiting && gate.state !== 'awaiting-approval') {
    return { type: 'Conflict', message: `gate "${gate.id}" is not awaiting a decision (state: ${gate.state})` };
  }
  return null;
}

/** The gate state after its votes: any no-go rejects; `quorum` distinct go votes pass. */
export function tally(gate: Pick<GateStatus, 'votes' | 'quorum'>): 'go' | 'no-go' | 'awaiting-approval' {
  if (gate.votes.some((v) => v.decision === 'no-go')) return 'no-go';
  const goVoters = new Set(gate.votes.filter((v) => v.decision === 'go').map((v) => v.approver));
  return goVoters.size >= gate.quorum ? 'go' : 'awaiting-approval';
}

/**
 * Who may not vote on a gate with `separateDuties`: the run's starter (`startedBy`, null without
 * tokens) and every identity that held a lease on a task the gate needs, directly or through other
 * steps (`needed`: those steps' ids). Each once, with the first reason found.
 */
export function barredVoters(
  startedBy: string | null | undefined,
  steps: readonly { id: string; leaseHolders?: readonly string[] | undefined }[],
  needed: ReadonlySet<string>,
): BarredVoter[] {
  const out = new Map<string, string>();
  if (startedBy) out.set(startedBy, 'started the run');
  for (const s of steps) {
    if (!needed.has(s.id)) continue;
    for (const holder of s.leaseHolders ?? [])
      if (!out.has(holder)) out.set(holder, `held a lease on task "${s.id}", which this gate needs`);
  }
  return [...out].map(([identity, why]) => ({ identity, why }));
}
