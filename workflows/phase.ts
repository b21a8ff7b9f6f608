/**
 * `phaseWorkflow`: runs one phase plan durably.
 *
 * - Steps whose `needs` are done start at once, up to `maxParallel` running tasks.
 * - Each task attempt is one activity (or one external agent claim/complete cycle); the workflow
 *   counts attempts itself so every attempt, its error and its back-off are in the status.
 * - Gates evaluate checks on upstream metrics, then wait for decisions (Update or Signal `decide`).
 * - A failed task (after retries), a no-go, a cancel or the deadline rolls back: completed tasks
 *   with a `rollback` are compensated newest completion first, in a non-cancellable scope.
 * - `onFailure: hold` pauses on a failed task until an operator retries, skips or aborts it.
 * - A task or gate in one state longer than `escalateAfter` emits one escalation.
 *
 * Ends by returning the status (succeeded), by failing with an `ApplicationFailure` of type
 * `PhaseRejected` / `PhaseFailed` / `PhaseTimedOut` (details: the outcome), or as cancelled.
 */
import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { TaskInput, TaskResult, TaskFailureDetails, RunNotification } from '../activities/types';
import { awaitAgent, reject, validateClaim, validateReport, type OpenAttempt } from './agent-task';
import { evaluateChecks, tally, validateDecision } from './gates';
import {
  actSignal,
  actUpdate,
  agentHeartbeatUpdate,
  claimUpdate,
  completeUpdate,
  decideSignal,
  decideUpdate,
  failUpdate,
  statusQuery,
  type ClaimResult,
  type Decision,
  type OperatorAction,
  type PhaseRunInput,
} from './messages';
import { formatDuration, parseDuration } from './plan/duration';
import { backoffMs, effectiveTask, stepNeeds, type EffectiveTask } from './plan/resolve';
import type { Executor, PhasePlan, Step } from './plan/schema';
import { AwaitingApproval, Escalated, PendingAgents, PhaseState } from './search-attributes';
import { newRunStatus, renderMarkdown, type GateStatus, type Outcome, type RunState, type RunStatus, type StepStatus } from './status';

const ACTIVITY_FOR: Record<Exclude<Executor['kind'], 'agent'>, keyof Activities> = {
  shell: 'shellTask',
  http: 'httpTask',
  simulate: 'simulateTask',
};

/** Most entries kept in `status.events`: the first {@link KEEP_FIRST_EVENTS} and the newest. */
const MAX_EVENTS = 2_000;
const KEEP_FIRST_EVENTS = 50;

/** Longest wait for in-flight tasks to acknowledge cancellation before compensating. */
const CANCEL_GRACE_MS = 60_000;

const notifier = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: { maximumAttempts: 3 } });

function nowIso(): string {
  return new Date().toISOString();
}

function errorMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  // Activity failures wrap the executor's ApplicationFailure: show the innermost message.
  while (e && typeof e === 'object' && e.cause && typeof e.cause === 'object') e = e.cause as typeof e;
  return e?.message ?? String(err);
}

function failureOf(err: unknown): ApplicationFailure | undefined {
  let e: unknown = err;
  while (e && typeof e === 'object') {
    if (e instanceof ApplicationFailure) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Why the run stopped before finishing: the first cause wins. */
interface Stop {
  outcome: Exclude<Outcome, 'succeeded' | 'cancelled'>;
  cause: string;
}

class PhaseRun {
  readonly status: RunStatus;
  private readonly defs = new Map<string, Step>();
  private readonly tasks = new Map<string, StepStatus>();
  private readonly gates = new Map<string, GateStatus>();
  private readonly effective = new Map<string, EffectiveTask>();
  /** Step ids with a rollback, newest completion first. */
  private readonly compensationStack: string[] = [];
  /** Decisions sent by signal before their gate awaited them. */
  private readonly earlyVotes = new Map<string, Decision[]>();
  private readonly heldActions = new Map<string, OperatorAction['action']>();
  private readonly openAttempts = new Map<string, OpenAttempt>();
  /** Per step: a counter bumped on each state entry, so stale escalation timers know they are stale. */
  private readonly entries = new Map<string, number>();
  private readonly inflight = new Map<string, { scope: CancellationScope; done: Promise<void> }>();
  /** Bumped on every change the scheduler must look at. */
  private version = 0;
  private stop: Stop | undefined;
  private rollingBack = false;
  private lastAttrs = '';
  private detailsStale = true;
  /** Each step's dependencies, computed once. */
  private readonly needsOf = new Map<string, string[]>();

  constructor(private readonly plan: PhasePlan) {
    this.status = newRunStatus(workflowInfo().workflowId, plan, 'phase');
    for (const step of plan.steps) {
      this.defs.set(step.id, step);
      const needs = stepNeeds(step);
      this.needsOf.set(step.id, needs);
      if (step.gate) {
        const g: GateStatus = {
          id: step.id,
          type: 'gate',
          title: step.title,
          needs,
          state: 'pending',
          checks: [],
          votes: [],
          quorum: step.gate.approval?.quorum ?? 1,
          approvers: step.gate.approval?.approvers ?? [],
          startedAt: null,
          endedAt: null,
          deadline: null,
          decidedBy: null,
        };
        this.gates.set(step.id, g);
        this.status.gates.push(g);
      } else if (step.run) {
        const t: StepStatus = {
          id: step.id,
          type: 'task',
          title: step.title,
          agent: step.agent,
          executor: step.run.kind,
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
        this.tasks.set(step.id, t);
        this.status.steps.push(t);
        this.effective.set(step.id, effectiveTask(plan, step));
      }
    }
  }

  // ---------------------------------------------------------------- events, state, UI

  private event(type: string, message: string, step?: string): void {
    this.status.events.push({ at: nowIso(), type, message, ...(step ? { step } : {}) });
    // Bound the log so the status stays far below Temporal's 2 MB payload limit; decisions,
    // compensations and escalations have their own arrays, and the history keeps everything.
    if (this.status.events.length > MAX_EVENTS) {
      const drop = this.status.events.length - MAX_EVENTS;
      this.status.events.splice(KEEP_FIRST_EVENTS, drop);
      this.status.eventsDropped = (this.status.eventsDropped ?? 0) + drop;
    }
    this.version++;
  }

  private runState(): RunState {
    if (this.status.outcome) return this.status.outcome;
    if (this.rollingBack) return 'rolling-back';
    if (this.status.steps.some((s) => s.held)) return 'held';
    if (this.status.gates.some((g) => g.state === 'awaiting-approval')) return 'awaiting-approval';
    return 'running';
  }

  /** Recomputes the run state, the search attributes (only when changed) and the UI details. */
  private publish(): void {
    this.status.state = this.runState();
    const pending = [...new Set(this.status.steps.filter((s) => s.agentTask && s.agent).map((s) => s.agent as string))].sort();
    const awaiting = this.status.gates.some((g) => g.state === 'awaiting-approval');
    const escalated = this.status.escalations.length > 0;
    const attrs = JSON.stringify([this.status.state, awaiting, pending, escalated]);
    if (attrs !== this.lastAttrs) {
      this.lastAttrs = attrs;
      upsertSearchAttributes([
        { key: PhaseState, value: this.status.state },
        { key: AwaitingApproval, value: awaiting },
        { key: PendingAgents, value: pending },
        { key: Escalated, value: escalated },
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
  private flushDetails(): void {
    if (!this.detailsStale) return;
    this.detailsStale = false;
    setCurrentDetails(renderMarkdown(this.status));
  }

  private notify(event: Omit<RunNotification, 'runId' | 'plan' | 'at'>): void {
    const full: RunNotification = { ...event, runId: this.status.runId, plan: this.plan.id, at: nowIso() };
    // Fire and forget, outside the main scope: a webhook must never block or fail the run.
    CancellationScope.nonCancellable(() => notifier.notify(full)).catch((err) => log.warn('webhook failed', { error: errorMessage(err) }));
  }

  /**
   * Marks that `id` entered `state` and arms a one-shot escalation for staying there longer than
   * its `escalateAfter` (or the plan's). Any later `enter` for the same id disarms it.
   */
  private enter(id: string, state: string | null): void {
    const token = (this.entries.get(id) ?? 0) + 1;
    this.entries.set(id, token);
    const after = state ? (this.defs.get(id)?.escalateAfter ?? this.plan.escalateAfter) : undefined;
    if (!state || !after) return;
    CancellationScope.nonCancellable(() => sleep(parseDuration(after), { summary: `escalate ${id} if ${state} longer than ${after}` })).then(
      () => {
        if (this.status.outcome || this.stop || this.rollingBack || this.entries.get(id) !== token) return;
        const reason = `${state} longer than ${after}`;
        this.status.escalations.push({ step: id, reason, at: nowIso(), state });
        this.event('escalation', reason, id);
        this.publish();
        this.notify({ type: 'escalation', step: id, message: `${id}: ${reason}` });
      },
      () => undefined,
    );
  }

  private fail(outcome: Stop['outcome'], cause: string): void {
    if (!this.stop) {
      this.stop = { outcome, cause };
      this.event('stop', `${outcome}: ${cause}`);
    }
  }

  // ---------------------------------------------------------------- handlers

  registerHandlers(): void {
    setHandler(statusQuery, () => this.status);

    setHandler(
      decideUpdate,
      (d) => {
        const gate = this.gates.get(d.gate);
        const problem = validateDecision(d, gate);
        // Re-check in the handler: another update may have been applied since validation.
        if (problem) throw reject(problem.type, problem.message);
        return this.applyVote(gate as GateStatus, d, 'update');
      },
      {
        validator: (d) => {
          const problem = validateDecision(d, this.gates.get(d?.gate));
          if (problem) throw reject(problem.type, problem.message);
        },
      },
    );

    setHandler(decideSignal, (d) => {
      const gate = this.gates.get(d?.gate);
      const early = gate && (gate.state === 'pending' || gate.state === 'checking');
      const problem = validateDecision(d, gate, Boolean(early));
      if (problem) {
        this.event('invalid-signal', `decision ignored: ${problem.message}`, d?.gate);
        this.publish();
        return;
      }
      if (early) {
        const queue = this.earlyVotes.get(d.gate) ?? [];
        if (queue.some((v) => v.approver === d.approver)) {
          this.event('invalid-signal', `decision ignored: "${d.approver}" already has an early decision queued on "${d.gate}"`, d.gate);
        } else {
          queue.push(d);
          this.earlyVotes.set(d.gate, queue);
          this.event('early-decision', `${d.decision} by ${d.approver} queued until gate "${d.gate}" awaits decisions`, d.gate);
        }
        this.publish();
        return;
      }
      this.applyVote(gate as GateStatus, d, 'signal');
    });

    const validateAct = (a: OperatorAction): StepStatus => {
      if (typeof a !== 'object' || a === null) throw reject('Invalid', 'an action is {step, action}');
      if (!['retry', 'skip', 'abort'].includes(a.action)) throw reject('Invalid', 'action: must be retry, skip or abort');
      const t = this.tasks.get(a.step);
      if (!t) throw reject('NotFound', `unknown task "${a.step}"`);
      if (!t.held || this.heldActions.has(a.step)) throw reject('Conflict', `task "${a.step}" is not held (state: ${t.state})`);
      return t;
    };
    setHandler(
      actUpdate,
      (a) => {
        const t = validateAct(a);
        this.applyAction(t, a);
        return t;
      },
      { validator: (a) => void validateAct(a) },
    );
    setHandler(actSignal, (a) => {
      try {
        this.applyAction(validateAct(a), a);
      } catch (err) {
        this.event('invalid-signal', `action ignored: ${errorMessage(err)}`, a?.step);
        this.publish();
      }
    });

    setHandler(
      claimUpdate,
      (req) => {
        const open = this.openAttempts.get(req.step);
        const t = this.tasks.get(req.step);
        if (validateClaim(t, open, req) === 'new' && open && t) {
          open.state.claimedBy = req.claimant;
          open.state.claimedAt = nowIso();
          open.lastHeartbeatMs = Date.now();
          open.state.lastHeartbeatAt = open.state.claimedAt;
          const rec = t.attemptHistory[open.state.attempt - 1];
          if (rec) rec.claimedBy = req.claimant;
          this.event('claim', `attempt ${open.state.attempt} claimed by ${req.claimant}`, req.step);
          this.publish();
        }
        return this.claimResult(t as StepStatus, open as OpenAttempt);
      },
      { validator: (req) => void validateClaim(this.tasks.get(req?.step), this.openAttempts.get(req?.step), req) },
    );

    setHandler(
      agentHeartbeatUpdate,
      (hb) => {
        const open = this.openAttempts.get(hb.step);
        const t = this.tasks.get(hb.step) as StepStatus;
        validateReport(t, open, hb, 'heartbeat');
        if (open) {
          open.lastHeartbeatMs = Date.now();
          open.state.lastHeartbeatAt = nowIso();
          if (typeof hb.progress === 'string') t.summary = hb.progress.slice(0, 2000);
        }
        return t;
      },
      { validator: (hb) => void validateReport(this.tasks.get(hb?.step), this.openAttempts.get(hb?.step), hb, 'heartbeat') },
    );

    setHandler(
      completeUpdate,
      (c) => {
        const open = this.openAttempts.get(c.step);
        const t = this.tasks.get(c.step) as StepStatus;
        if (validateReport(t, open, c, 'complete') === 'open' && open) {
          open.outcome = { ok: true, metrics: { ...(c.metrics ?? {}) }, ...(c.summary !== undefined ? { summary: String(c.summary).slice(0, 4000) } : {}) };
          this.version++;
        }
        return t;
      },
      { validator: (c) => void validateReport(this.tasks.get(c?.step), this.openAttempts.get(c?.step), c, 'complete') },
    );

    setHandler(
      failUpdate,
      (f) => {
        const open = this.openAttempts.get(f.step);
        const t = this.tasks.get(f.step) as StepStatus;
        validateReport(t, open, f, 'fail');
        if (open) {
          open.outcome = { ok: false, reason: String(f.reason).slice(0, 4000), retryable: f.retryable !== false };
          this.version++;
        }
        return t;
      },
      { validator: (f) => void validateReport(this.tasks.get(f?.step), this.openAttempts.get(f?.step), f, 'fail') },
    );
  }

  private claimResult(t: StepStatus, open: OpenAttempt): ClaimResult {
    const def = this.defs.get(t.id);
    const run = def?.run;
    return {
      runId: this.status.runId,
      stepId: t.id,
      attempt: open.state.attempt,
      claimedBy: open.state.claimedBy as string,
      title: t.title,
      agent: t.agent,
      instructions: run?.kind === 'agent' ? run.instructions : undefined,
      description: def?.description,
      metrics: Object.keys(def?.metrics ?? {}),
    };
  }

  private applyVote(gate: GateStatus, d: Decision, via: 'update' | 'signal'): GateStatus {
    gate.votes.push({ approver: d.approver, decision: d.decision, ...(d.comment ? { comment: d.comment } : {}), at: nowIso(), via });
    this.event('decision', `${d.decision} by ${d.approver}${d.comment ? `: ${d.comment}` : ''}`, gate.id);
    const next = tally(gate);
    if (next !== 'awaiting-approval') this.closeGate(gate, next, 'votes');
    this.publish();
    return gate;
  }

  private applyAction(t: StepStatus, a: OperatorAction): void {
    this.heldActions.set(t.id, a.action);
    this.event('operator', `${a.action}${a.operator ? ` by ${a.operator}` : ''}${a.comment ? `: ${a.comment}` : ''}`, t.id);
    this.publish();
  }

  // ---------------------------------------------------------------- scheduling

  private isDone(id: string): boolean {
    const t = this.tasks.get(id);
    if (t) return t.state === 'succeeded' || t.state === 'skipped';
    return this.gates.get(id)?.state === 'go';
  }

  private async runDag(): Promise<void> {
    const maxParallel = this.plan.maxParallel ?? Number.POSITIVE_INFINITY;
    // Steps not launched yet, in plan order: each turn scans only these.
    let notLaunched = [...this.plan.steps];
    for (;;) {
      if (this.stop) return;
      let running = this.status.steps.filter((s) => s.state === 'running').length;
      const waiting: Step[] = [];
      for (const step of notLaunched) {
        const t = this.tasks.get(step.id);
        const g = this.gates.get(step.id);
        const ready = (this.needsOf.get(step.id) ?? []).every((n) => this.isDone(n));
        if (!ready || (t && running >= maxParallel)) {
          waiting.push(step);
          continue;
        }
        if (t) running++;
        this.launch(step.id, t ? () => this.runTask(t) : () => this.runGate(g as GateStatus));
      }
      notLaunched = waiting;
      this.publish();
      this.flushDetails();
      if (notLaunched.length === 0 && this.plan.steps.every((s) => this.isDone(s.id))) return;
      const seen = this.version;
      await condition(() => this.version !== seen);
    }
  }

  /** Runs a step's coroutine in its own cancellable scope, tracked until it settles. */
  private launch(id: string, body: () => Promise<void>): void {
    const scope = new CancellationScope();
    const done = scope
      .run(body)
      .catch((err) => {
        if (!isCancellation(err)) this.fail('failed', `internal error in step "${id}": ${errorMessage(err)}`);
      })
      .finally(() => {
        this.inflight.delete(id);
        this.version++;
      });
    this.inflight.set(id, { scope, done });
  }

  // ---------------------------------------------------------------- tasks

  private async runTask(t: StepStatus): Promise<void> {
    const def = this.defs.get(t.id) as Step;
    const eff = this.effective.get(t.id) as EffectiveTask;
    let budget = eff.maximumAttempts;
    this.enter(t.id, 'running');
    for (;;) {
      t.attempts++;
      const attempt = t.attempts;
      budget--;
      t.state = 'running';
      t.held = false;
      t.error = null;
      t.startedAt ??= nowIso();
      t.endedAt = null;
      t.attemptHistory.push({ attempt, startedAt: nowIso(), ...(def.run?.kind === 'agent' ? { claimedBy: null } : {}) });
      this.event('attempt', `attempt ${attempt} started`, t.id);
      this.publish();
      const rec = t.attemptHistory[attempt - 1] as NonNullable<StepStatus['attemptHistory'][number]>;
      try {
        const result = await this.executeAttempt(t, def, eff, attempt);
        rec.endedAt = nowIso();
        rec.outcome = 'succeeded';
        t.state = 'succeeded';
        t.endedAt = rec.endedAt;
        t.metrics = { ...t.metrics, ...result.metrics };
        t.summary = result.summary ?? t.summary ?? null;
        t.output = this.outputOf(result);
        this.enter(t.id, null);
        if (def.rollback) this.compensationStack.unshift(t.id);
        this.event('succeeded', `succeeded on attempt ${attempt}${Object.keys(result.metrics).length ? ` with ${JSON.stringify(result.metrics)}` : ''}`, t.id);
        this.publish();
        return;
      } catch (err) {
        rec.endedAt = nowIso();
        rec.outcome = 'failed';
        rec.error = errorMessage(err);
        if (isCancellation(err)) {
          t.state = 'failed';
          t.error = 'cancelled';
          t.endedAt = rec.endedAt;
          rec.error = 'cancelled';
          this.event('cancelled', `attempt ${attempt} cancelled`, t.id);
          throw err;
        }
        const failure = failureOf(err);
        const details = failure?.details?.[0] as TaskFailureDetails | undefined;
        if (details && typeof details === 'object') {
          t.output = { stdout: details.stdoutTail, stderr: details.stderrTail, exitCode: details.exitCode, httpStatus: details.httpStatus, body: details.bodyTail };
        }
        t.error = rec.error;
        const permanent = failure?.nonRetryable === true;
        if (!permanent && budget > 0) {
          const wait = backoffMs(eff, attempt + 1);
          this.event('retry', `attempt ${attempt} failed: ${rec.error}; retrying in ${formatDuration(wait)}`, t.id);
          this.publish();
          await sleep(wait, { summary: `back-off before ${t.id} attempt ${attempt + 1}` });
          continue;
        }
        t.state = 'failed';
        t.endedAt = rec.endedAt;
        this.enter(t.id, null);
        const cause = `task "${t.id}" failed after ${attempt} attempt${attempt > 1 ? 's' : ''}${permanent ? ' (not retryable)' : ''}: ${rec.error}`;
        if (eff.onFailure !== 'hold') {
          this.fail('failed', cause);
          this.publish();
          return;
        }
        const action = await this.hold(t, cause);
        if (action === 'retry') {
          budget = eff.maximumAttempts;
          this.enter(t.id, 'running');
          continue;
        }
        if (action === 'skip') {
          t.state = 'skipped';
          t.endedAt = nowIso();
          this.event('skipped', 'skipped by operator', t.id);
          this.publish();
          return;
        }
        this.fail('failed', `${cause}; aborted by operator`);
        this.publish();
        return;
      }
    }
  }

  private async hold(t: StepStatus, cause: string): Promise<OperatorAction['action']> {
    t.held = true;
    this.heldActions.delete(t.id);
    this.event('held', `${cause}; waiting for an operator to retry, skip or abort`, t.id);
    this.enter(t.id, 'held');
    this.publish();
    await condition(() => this.heldActions.has(t.id));
    this.enter(t.id, null);
    const action = this.heldActions.get(t.id) as OperatorAction['action'];
    this.heldActions.delete(t.id);
    t.held = false;
    return action;
  }

  private outputOf(r: TaskResult): StepStatus['output'] {
    if (r.stdoutTail === undefined && r.stderrTail === undefined && r.exitCode === undefined && r.httpStatus === undefined) return null;
    return { stdout: r.stdoutTail, stderr: r.stderrTail, exitCode: r.exitCode, httpStatus: r.httpStatus };
  }

  private activityOptions(t: StepStatus, eff: EffectiveTask, summary: string): ActivityOptions {
    return {
      startToCloseTimeout: eff.timeoutMs,
      ...(eff.heartbeatMs ? { heartbeatTimeout: eff.heartbeatMs } : {}),
      // The workflow counts attempts itself (status, holds, back-off): one try per activity.
      retry: { maximumAttempts: 1 },
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      summary,
    };
  }

  private async executeAttempt(t: StepStatus, def: Step, eff: EffectiveTask, attempt: number): Promise<TaskResult> {
    const run = def.run as Executor;
    if (run.kind === 'agent') return this.executeAgentAttempt(t, run, eff, attempt);
    const input: TaskInput = {
      runId: this.status.runId,
      stepId: t.id,
      ...(t.agent ? { agent: t.agent } : {}),
      attempt,
      purpose: 'run',
      executor: run,
      metricRules: def.metrics ?? {},
    };
    const summary = `${t.id}${t.agent ? ` · ${t.agent}` : ''} · ${run.kind} · attempt ${attempt}`;
    const acts = proxyActivities<Activities>(this.activityOptions(t, eff, summary));
    const fn = acts[ACTIVITY_FOR[run.kind]] as (i: TaskInput) => Promise<TaskResult>;
    return fn(input);
  }

  private async executeAgentAttempt(t: StepStatus, run: Extract<Executor, { kind: 'agent' }>, eff: EffectiveTask, attempt: number): Promise<TaskResult> {
    const started = Date.now();
    const open: OpenAttempt = {
      state: { attempt, claimedBy: null, claimedAt: null, lastHeartbeatAt: null, ...(run.instructions ? { instructions: run.instructions } : {}) },
      openedAtMs: started,
      lastHeartbeatMs: null,
    };
    this.openAttempts.set(t.id, open);
    t.agentTask = open.state;
    this.publish();
    try {
      const outcome = await awaitAgent(
        open,
        { attemptMs: eff.timeoutMs, ...(run.claimTimeout ? { claimMs: parseDuration(run.claimTimeout) } : {}), ...(eff.heartbeatMs ? { heartbeatMs: eff.heartbeatMs } : {}) },
        () => this.publish(),
      );
      return { metrics: outcome.metrics, ...(outcome.summary !== undefined ? { summary: outcome.summary } : {}), durationMs: Date.now() - started };
    } finally {
      this.openAttempts.delete(t.id);
      t.agentTask = null;
    }
  }

  // ---------------------------------------------------------------- gates

  private async runGate(g: GateStatus): Promise<void> {
    const def = (this.defs.get(g.id) as Step).gate as NonNullable<Step['gate']>;
    g.startedAt = nowIso();
    g.state = 'checking';
    g.checks = evaluateChecks(def.checks ?? [], (id) => this.tasks.get(id)?.metrics);
    const failed = g.checks.filter((c) => !c.passed);
    this.event('checks', g.checks.length ? `${g.checks.length - failed.length}/${g.checks.length} checks passed` : 'no checks', g.id);
    if (failed.length > 0 && (def.onCheckFailure ?? 'no-go') === 'no-go') {
      this.closeGate(g, 'no-go', 'checks');
      this.fail('rejected', `gate "${g.id}": checks failed: ${failed.map((c) => `${c.metric} ${c.op} ${c.value} (actual ${c.actual ?? 'missing'})`).join(', ')}`);
      this.publish();
      return;
    }
    if (!def.approval && failed.length === 0) {
      this.closeGate(g, 'go', 'automatic');
      this.publish();
      return;
    }
    // Waiting for people: with failed checks under `ask`, or with an approval block.
    g.state = 'awaiting-approval';
    const timeout = def.approval?.timeout;
    g.deadline = timeout ? new Date(Date.now() + parseDuration(timeout)).toISOString() : null;
    this.event('awaiting-approval', failed.length ? `${failed.length} check(s) failed: approvers decide` : 'awaiting decisions', g.id);
    this.applyEarlyVotes(g, failed.length > 0);
    this.enter(g.id, 'awaiting-approval');
    this.publish();
    const decided = timeout
      ? await condition(() => g.state !== 'awaiting-approval', parseDuration(timeout), { summary: `approval timeout of ${g.id}: ${def.approval?.onTimeout ?? 'no-go'}` })
      : await condition(() => g.state !== 'awaiting-approval').then(() => true);
    if (!decided) {
      const onTimeout = def.approval?.onTimeout ?? 'no-go';
      g.votes.push({ approver: 'timeout', decision: onTimeout, comment: `no decision within ${timeout}`, at: nowIso(), via: 'timeout' });
      this.closeGate(g, onTimeout, 'timeout');
      this.event('timeout', `approval timed out after ${timeout}: ${onTimeout}`, g.id);
    }
    if ((g.state as GateStatus['state']) === 'no-go') {
      const who = g.votes.filter((v) => v.decision === 'no-go').map((v) => v.approver);
      this.fail('rejected', `gate "${g.id}": no-go${who.length ? ` by ${who.join(', ')}` : ''}`);
    }
    this.publish();
  }

  private closeGate(g: GateStatus, state: 'go' | 'no-go', by: string): void {
    this.enter(g.id, null);
    g.state = state;
    g.decidedBy = by;
    g.endedAt = nowIso();
    this.event(state, `gate ${state} (${by})`, g.id);
  }

  /** Early signal decisions count once the gate awaits, unless its checks failed (then voters must see them). */
  private applyEarlyVotes(g: GateStatus, checksFailed: boolean): void {
    const queue = this.earlyVotes.get(g.id) ?? [];
    this.earlyVotes.delete(g.id);
    for (const d of queue) {
      if (checksFailed) {
        this.event('early-decision-discarded', `${d.decision} by ${d.approver} discarded: checks failed, decide again seeing them`, g.id);
        continue;
      }
      if (g.state !== 'awaiting-approval') break;
      const problem = validateDecision(d, g);
      if (problem) this.event('invalid-signal', `early decision ignored: ${problem.message}`, g.id);
      else this.applyVote(g, d, 'signal');
    }
  }

  // ---------------------------------------------------------------- rollback

  private async rollback(): Promise<void> {
    if (this.compensationStack.length === 0) return;
    this.rollingBack = true;
    this.event('rollback', `compensating ${this.compensationStack.join(', ')} (newest first)`);
    this.publish();
    this.flushDetails();
    for (const id of [...this.compensationStack]) {
      const def = this.defs.get(id) as Step;
      const t = this.tasks.get(id) as StepStatus;
      const eff = this.effective.get(id) as EffectiveTask;
      const executor = def.rollback as Exclude<Executor, { kind: 'agent' }>;
      const acts = proxyActivities<Activities>({
        ...this.activityOptions(t, eff, `rollback ${id}${t.agent ? ` · ${t.agent}` : ''} · ${executor.kind}`),
        retry: {
          maximumAttempts: eff.maximumAttempts,
          initialInterval: eff.initialIntervalMs,
          backoffCoefficient: eff.backoffCoefficient,
          maximumInterval: eff.maximumIntervalMs,
        },
      });
      const fn = acts[ACTIVITY_FOR[executor.kind]] as (i: TaskInput) => Promise<TaskResult>;
      try {
        await fn({ runId: this.status.runId, stepId: id, ...(t.agent ? { agent: t.agent } : {}), attempt: 1, purpose: 'rollback', executor, metricRules: {} });
        t.state = 'compensated';
        this.status.compensations.push({ step: id, state: 'succeeded', at: nowIso(), error: null });
        this.event('compensated', 'rollback succeeded', id);
      } catch (err) {
        t.state = 'compensation-failed';
        const error = errorMessage(err);
        this.status.compensations.push({ step: id, state: 'failed', at: nowIso(), error });
        this.event('compensation-failed', `rollback failed: ${error}`, id);
      }
      this.publish();
      this.flushDetails();
    }
  }

  /** Cancels in-flight steps and waits (bounded) for their activities to acknowledge. */
  private async settleInflight(): Promise<void> {
    if (this.inflight.size === 0) return;
    for (const { scope } of this.inflight.values()) scope.cancel();
    const all = Promise.all([...this.inflight.values()].map((f) => f.done));
    await Promise.race([all, sleep(CANCEL_GRACE_MS)]);
  }

  // ---------------------------------------------------------------- the run

  async execute(startAt: string | undefined): Promise<RunStatus> {
    this.publish();
    this.flushDetails();
    const begin = startAt ?? this.plan.startAt;
    if (begin) {
      const wait = Date.parse(begin) - Date.now();
      if (wait > 0) {
        this.event('scheduled', `waiting until ${begin} to start`);
        this.publish();
        this.flushDetails();
        try {
          await sleep(wait, { summary: `start at ${begin}` });
        } catch (err) {
          if (isCancellation(err)) return this.finish('cancelled', 'cancelled before start', err);
          throw err;
        }
      }
    }
    this.event('started', `run of ${this.plan.id} started`);

    const main = new CancellationScope();
    let deadlineHit = false;
    if (this.plan.deadline) {
      const deadline = this.plan.deadline;
      CancellationScope.nonCancellable(() => sleep(parseDuration(deadline), { summary: `deadline ${deadline}` })).then(
        () => {
          if (this.status.outcome || this.rollingBack || this.stop) return;
          deadlineHit = true;
          this.event('deadline', `deadline of ${deadline} passed`);
          main.cancel();
        },
        () => undefined,
      );
    }

    let cancellation: unknown;
    try {
      await main.run(() => this.runDag());
    } catch (err) {
      if (!isCancellation(err)) {
        this.fail('failed', `internal error: ${errorMessage(err)}`);
      } else if (deadlineHit) {
        this.stop ??= { outcome: 'timed-out', cause: `deadline of ${this.plan.deadline} passed` };
      } else {
        cancellation = err;
      }
    }

    if (!this.stop && cancellation === undefined) return this.finish('succeeded', null);
    const outcome: Outcome = this.stop?.outcome ?? 'cancelled';
    const cause = this.stop?.cause ?? 'cancelled by request';
    if (outcome === 'cancelled') this.event('cancel', 'cancellation requested: rolling back');
    await CancellationScope.nonCancellable(async () => {
      await this.settleInflight();
      await this.rollback();
    });
    return this.finish(outcome, cause, cancellation);
  }

  private finish(outcome: Outcome, cause: string | null, cancellation?: unknown): RunStatus {
    this.rollingBack = false;
    this.status.outcome = outcome;
    this.status.cause = cause;
    this.status.endedAt = nowIso();
    this.event('outcome', cause ? `${outcome}: ${cause}` : outcome);
    this.publish();
    this.flushDetails();
    if (outcome === 'succeeded') return this.status;
    if (outcome === 'cancelled' && cancellation) throw cancellation;
    const type = { rejected: 'PhaseRejected', failed: 'PhaseFailed', 'timed-out': 'PhaseTimedOut', cancelled: 'PhaseCancelled' }[outcome];
    throw ApplicationFailure.create({ type, message: `${this.plan.id} ${outcome}: ${cause}`, nonRetryable: true, details: [{ outcome, runId: this.status.runId }] });
  }
}

/** Runs one phase plan. See the module comment for behaviour and how it ends. */
export async function phaseWorkflow(input: PhaseRunInput): Promise<RunStatus> {
  const run = new PhaseRun(input.plan);
  // Handlers first: signals and updates sent before this point are buffered and delivered now.
  run.registerHandlers();
  return run.execute(input.startAt);
}
