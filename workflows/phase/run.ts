/**
 * The state of one phase run: the status the `status` query returns, the plan's steps by id, the
 * bookkeeping the operations share (compensation stack, queued decisions, operator actions, open
 * agent attempts, in-flight scopes), the version counter the scheduler waits on and the stop cause.
 * Every change goes through this object; the operations live in the sibling modules.
 */
import type { CancellationScope } from '@temporalio/workflow';
import type { OpenAttempt } from '../agent-task';
import { appendEvent } from '../lifecycle';
import type { Decision, OperatorAction } from '../messages';
import { effectiveTask, stepNeeds, type EffectiveTask } from '../plan/resolve';
import type { PhasePlan, Step } from '../plan/schema';
import { newRunStatus, type GateStatus, type Outcome, type RunStatus, type StepStatus } from '../status';
import { Publisher } from './publish';
import { AgentIndexPublisher } from './agent-index';

/** Why the run stopped before finishing: the first cause wins. */
export interface Stop {
  outcome: Exclude<Outcome, 'succeeded' | 'cancelled'>;
  cause: string;
}

/** A launched step: its cancellation scope and the promise that settles when its coroutine does. */
export interface Inflight {
  scope: CancellationScope;
  done: Promise<void>;
}

/** The status of a gate step before it is reached. */
export function newGateStatus(step: Step, needs: string[]): GateStatus {
  return {
    id: step.id,
    type: 'gate',
    title: step.title,
    needs,
    state: 'pending',
    checks: [],
    votes: [],
    quorum: step.gate?.approval?.quorum ?? 1,
    approvers: step.gate?.approval?.approvers ?? [],
    startedAt: null,
    endedAt: null,
    deadline: null,
    decidedBy: null,
  };
}

/** The status of a task step before it starts. */
export function newTaskStatus(step: Step, needs: string[]): StepStatus {
  return {
    id: step.id,
    type: 'task',
    title: step.title,
    agent: step.agent,
    executor: (step.run as NonNullable<Step['run']>).kind,
    needs,
    state: 'pending',
    attempts: 0,
    startedAt: null,
    endedAt: null,
    metrics: {},
    error: null,
    summary: null,
    output: null,
    attemptHistory: [],
    agentTask: null,
  };
}

/** One phase run's state. Construct it from workflow code (it reads the workflow id and time). */
export class PhaseRun {
  readonly status: RunStatus;
  readonly defs = new Map<string, Step>();
  readonly tasks = new Map<string, StepStatus>();
  readonly gates = new Map<string, GateStatus>();
  readonly effective = new Map<string, EffectiveTask>();
  /** Each step's dependencies, computed once. */
  readonly needsOf = new Map<string, string[]>();
  /** Step ids with a rollback, newest completion first. */
  readonly compensationStack: string[] = [];
  /** Decisions sent by signal before their gate awaited them. */
  readonly earlyVotes = new Map<string, Decision[]>();
  readonly heldActions = new Map<string, OperatorAction['action']>();
  readonly openAttempts = new Map<string, OpenAttempt>();
  /** Per step: a counter bumped on each state entry, so stale escalation timers know they are stale. */
  readonly entries = new Map<string, number>();
  readonly inflight = new Map<string, Inflight>();
  /** Bumped on every change the scheduler must look at. */
  version = 0;
  stop: Stop | undefined;
  rollingBack = false;
  /** Signal decisions count only with a valid signature (the run was started by an API with tokens). */
  signedSignals = false;
  private readonly publisher: Publisher;
  private readonly agentIndex = new AgentIndexPublisher();

  constructor(
    readonly plan: PhasePlan,
    runId: string,
  ) {
    this.status = newRunStatus(runId, plan, 'phase');
    this.publisher = new Publisher(this.status);
    for (const step of plan.steps) {
      this.defs.set(step.id, step);
      const needs = stepNeeds(step);
      this.needsOf.set(step.id, needs);
      if (step.gate) {
        const g = newGateStatus(step, needs);
        this.gates.set(step.id, g);
        this.status.gates.push(g);
      } else if (step.run) {
        const t = newTaskStatus(step, needs);
        this.tasks.set(step.id, t);
        this.status.steps.push(t);
        this.effective.set(step.id, effectiveTask(plan, step));
      }
    }
  }

  /** Appends to the event log and wakes the scheduler. */
  event(type: string, message: string, step?: string): void {
    appendEvent(this.status, type, message, step);
    this.version++;
  }

  /** Wakes the scheduler without an event (an agent reported, a step settled). */
  changed(): void {
    this.version++;
  }

  /** Stops the run with `outcome` unless it already stopped: the first cause wins. */
  fail(outcome: Stop['outcome'], cause: string): void {
    if (!this.stop) {
      this.stop = { outcome, cause };
      this.event('stop', `${outcome}: ${cause}`);
    }
  }

  /** True once the run stopped, is rolling back or has an outcome: timers armed earlier then do nothing. */
  get settled(): boolean {
    return Boolean(this.status.outcome || this.stop || this.rollingBack);
  }

  /** Recomputes the run state and search attributes (see `publish.ts`). */
  publish(): void {
    this.publisher.publish(this.rollingBack);
    this.agentIndex.publish(this.openAttempts, this.tasks);
  }

  /** Republishes only the agent lease index (an attempt closed): no other command moves. */
  publishAgentIndex(): void {
    this.agentIndex.publish(this.openAttempts, this.tasks);
  }

  /** Re-renders the current details if anything changed since the last time. */
  flushDetails(): void {
    this.publisher.flushDetails();
  }

  /** True when step `id` no longer blocks its dependants: a task succeeded or skipped, a gate go. */
  isDone(id: string): boolean {
    const t = this.tasks.get(id);
    if (t) return t.state === 'succeeded' || t.state === 'skipped';
    return this.gates.get(id)?.state === 'go';
  }
}
