/**
 * Builds the completion report from a run's status alone (plus the Temporal run id from the
 * execution's description). Every field is copied or derived from recorded fields; nothing is
 * estimated: a duration needs both timestamps, lease holders are the identities the status names,
 * a step that never ran says so by its state.
 */
import type { GateStatus, RunStatus, StepStatus } from '../../workflows/status';
import { canonicalSha256 } from './canonical';
import type { Report, ReportGate, ReportStep } from './schema';

function durationMs(startedAt: string | null | undefined, endedAt: string | null | undefined): number | null {
  if (!startedAt || !endedAt) return null;
  const ms = Date.parse(endedAt) - Date.parse(startedAt);
  return Number.isFinite(ms) && ms >= 0 ? ms : null;
}

/**
 * Who held a lease on the step: the status's `leaseHolders` when the engine records them, else the
 * claimants of its attempts (agent tasks), without repeats, in order.
 */
function leaseHolders(t: StepStatus): string[] {
  const recorded = (t as { leaseHolders?: unknown }).leaseHolders;
  if (Array.isArray(recorded)) return recorded.filter((x): x is string => typeof x === 'string');
  const names = t.attemptHistory.map((a) => a.claimedBy).filter((x): x is string => typeof x === 'string' && x !== '');
  return [...new Set(names)];
}

function reportStep(t: StepStatus): ReportStep {
  return {
    id: t.id,
    title: t.title ?? null,
    agent: t.agent ?? null,
    executor: t.executor,
    state: t.state,
    attempts: t.attempts,
    startedAt: t.startedAt,
    endedAt: t.endedAt,
    durationMs: durationMs(t.startedAt, t.endedAt),
    leaseHolders: leaseHolders(t),
    metrics: { ...t.metrics },
    summary: t.summary ?? null,
    error: t.error,
  };
}

function reportGate(g: GateStatus): ReportGate {
  return {
    id: g.id,
    title: g.title ?? null,
    state: g.state,
    decidedBy: g.decidedBy ?? null,
    quorum: g.quorum,
    approvers: [...g.approvers],
    checks: g.checks.map((c) => ({
      metric: c.metric,
      op: c.op,
      threshold: c.value,
      actual: c.actual,
      passed: c.passed,
    })),
    votes: g.votes.map((v) => ({
      approver: v.approver,
      decision: v.decision,
      comment: v.comment ?? null,
      at: v.at,
      via: v.via ?? null,
    })),
    startedAt: g.startedAt,
    endedAt: g.endedAt,
  };
}

/** Who and what started the run, as far as the status records it (older runs record none). */
function provenance(s: RunStatus): Pick<Report, 'startedBy' | 'source' | 'scheduleId'> {
  const x = s as { startedBy?: unknown; source?: unknown; scheduleId?: unknown };
  const src = x.source as { kind?: unknown; sha256?: unknown } | null | undefined;
  return {
    startedBy: typeof x.startedBy === 'string' ? x.startedBy : null,
    source:
      src && typeof src.kind === 'string' && typeof src.sha256 === 'string'
        ? { kind: src.kind, sha256: src.sha256 }
        : null,
    scheduleId: typeof x.scheduleId === 'string' ? x.scheduleId : null,
  };
}

/** What {@link buildReport} needs besides the status. */
export interface ReportInput {
  status: RunStatus;
  /** The Temporal run id of the execution the status came from (null when it could not be read). */
  temporalRunId: string | null;
  /** Programs: the report of each phase, by phase index (null for phases without a run). */
  phaseReports?: readonly (Report | null)[];
}

/** The report of a run: see the module comment. The receipt hashes `status` exactly as given. */
export function buildReport({ status: s, temporalRunId, phaseReports = [] }: ReportInput): Report {
  return {
    runId: s.runId,
    plan: s.plan,
    title: s.title,
    kind: s.kind,
    state: s.state,
    outcome: s.outcome,
    cause: s.cause,
    startedAt: s.startedAt ?? null,
    endedAt: s.endedAt,
    durationMs: durationMs(s.startedAt, s.endedAt),
    ...provenance(s),
    steps: s.steps.map(reportStep),
    gates: s.gates.map(reportGate),
    compensations: s.compensations.map((c) => ({ step: c.step, state: c.state, at: c.at, error: c.error })),
    escalations: s.escalations.map((e) => ({ step: e.step, reason: e.reason, at: e.at })),
    phases: s.phases
      ? s.phases.map((p, index) => ({
          index,
          plan: p.plan,
          title: p.title ?? p.plan,
          runId: p.runId ?? null,
          state: phaseReports[index]?.state ?? p.state ?? 'pending',
          outcome: p.outcome,
          report: phaseReports[index] ?? null,
        }))
      : null,
    receipt: {
      statusSha256: canonicalSha256(s),
      canonicalization: 'json-sorted-keys-no-whitespace',
      workflowId: s.runId,
      temporalRunId,
    },
  };
}
