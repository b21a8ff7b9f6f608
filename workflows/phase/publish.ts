/**
 * What a phase run shows the outside world besides the `status` query: its run state, its search
 * attributes (upserted only when they change) and the markdown table of its current details.
 */
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { AwaitingApproval, Escalated, PendingAgents, PhaseState } from '../search-attributes';
import { renderMarkdown } from '../status-markdown';
import type { RunState, RunStatus } from '../status';

/**
 * The run state of a phase: its outcome once it has one, else `scheduled` (not started: waiting for
 * `startAt`), `rolling-back`, `held` (a task waits for an operator), `awaiting-approval` (a gate
 * waits for decisions), or `running`.
 */
export function runStateOf(status: RunStatus, rollingBack: boolean): RunState {
  if (status.outcome) return status.outcome;
  if (status.startedAt === null) return 'scheduled';
  if (rollingBack) return 'rolling-back';
  if (status.steps.some((s) => s.held)) return 'held';
  if (status.gates.some((g) => g.state === 'awaiting-approval')) return 'awaiting-approval';
  return 'running';
}

/** The values of the search attributes a phase run keeps current. */
export interface PhaseSearchAttributes {
  state: RunState;
  awaitingApproval: boolean;
  /** Agents with an open `agent` attempt, sorted and without repeats. */
  pendingAgents: string[];
  escalated: boolean;
}

/** The search attribute values of a status (its `state` must be current). */
export function searchAttributesOf(status: RunStatus): PhaseSearchAttributes {
  return {
    state: status.state,
    awaitingApproval: status.gates.some((g) => g.state === 'awaiting-approval'),
    pendingAgents: [
      ...new Set(status.steps.filter((s) => s.agentTask && s.agent).map((s) => s.agent as string)),
    ].sort(),
    escalated: status.escalations.length > 0,
  };
}

/** Keeps a run's state, search attributes and current details in step with its status. */
export class Publisher {
  private lastAttrs = '';
  private detailsStale = true;

  constructor(private readonly status: RunStatus) {}

  /** Recomputes the run state, upserts the search attributes when they changed, marks the details stale. */
  publish(rollingBack: boolean): void {
    this.status.state = runStateOf(this.status, rollingBack);
    const a = searchAttributesOf(this.status);
    const attrs = JSON.stringify([a.state, a.awaitingApproval, a.pendingAgents, a.escalated]);
    if (attrs !== this.lastAttrs) {
      this.lastAttrs = attrs;
      upsertSearchAttributes([
        { key: PhaseState, value: a.state },
        { key: AwaitingApproval, value: a.awaitingApproval },
        { key: PendingAgents, value: a.pendingAgents },
        { key: Escalated, value: a.escalated },
      ]);
    }
    this.detailsStale = true;
  }

  /**
   * Re-renders the markdown shown as the workflow's current details, when something changed.
   * Called once per scheduling-loop turn and on the paths where the loop is not running (start
   * wait, rollback, finish), rather than on every change: on big plans the table rendering was
   * most of the workflow's CPU (bench/ANALYSIS.md). Details are not a command, so when they are
   * rendered does not affect replay.
   */
  flushDetails(): void {
    if (!this.detailsStale) return;
    this.detailsStale = false;
    setCurrentDetails(renderMarkdown(this.status));
  }
}
