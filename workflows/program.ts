/**
 * `programWorkflow`: runs the phases of a program in order, each as a child `phaseWorkflow`
 * (workflow id `<program run id>--<phase id>`). Phase N+1 starts only when phase N succeeded; a
 * phase that ends otherwise stops the program with that phase's outcome. Cancelling the program
 * cancels the running phase, which rolls itself back; so does passing the program's `deadline`
 * (outcome `timed-out`). Phases that already succeeded are not undone.
 */
import {
  CancellationScope,
  executeChild,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { outcomeOf } from './failures';
import {
  appendEvent,
  armDeadline,
  endRun,
  markScheduled,
  markStarted,
  recordOutcome,
  SCHEDULED_STATE,
  startAtPassed,
  startWait,
  willWait,
} from './lifecycle';
import { statusPageQuery, statusQuery, type PhaseRunInput, type ProgramRunInput } from './messages';
import { statusPage } from './status-page';
import type { PhasePlan, ResolvedProgramPlan } from './plan/schema';
import { PhasePlan as PhasePlanKey, PhaseKind, PhaseState } from './search-attributes';
import { renderMarkdown } from './status-markdown';
import { newRunStatus, type Outcome, type PhaseRecord, type RunStatus } from './status';
import { phaseWorkflow } from './phase/workflow';

/**
 * Patch id: program timers (start wait, deadline) carry summaries, as the phase's always did.
 * Runs recorded before it started their timers without one, and replay them so.
 */
export const PROGRAM_TIMER_SUMMARIES = 'program-timer-summaries';

function newProgramStatus(runId: string, plan: ResolvedProgramPlan): RunStatus {
  return {
    ...newRunStatus(runId, plan, 'program'),
    // Only what the program knows itself: pending until a phase starts (no run id yet), running once
    // started, then its outcome. The API fills the running phase's live state from the child.
    phases: plan.phases.map((p) => ({
      plan: p.id,
      runId: null,
      outcome: null,
      state: 'pending',
      title: p.title ?? p.id,
    })),
  };
}

/** True when the program starts a timer at all: only then is the summaries patch asked (and marked). */
function hasTimers(plan: ResolvedProgramPlan): boolean {
  return plan.deadline !== undefined || (plan.startAt !== undefined && Date.parse(plan.startAt) > Date.now());
}

/** The workflow id of a program's phase run: `<program run id>--<phase id>`. */
export function phaseRunId(programRunId: string, phaseId: string): string {
  return `${programRunId}--${phaseId}`;
}

/** What a phase inherits from its program's start: who started it, its source, signed signals. */
function inherited(input: ProgramRunInput): Omit<PhaseRunInput, 'plan'> {
  return {
    ...(input.source ? { source: input.source } : {}),
    ...(input.startedBy ? { startedBy: input.startedBy } : {}),
    ...(input.signedSignals ? { signedSignals: true } : {}),
    ...(input.scheduleId ? { scheduleId: input.scheduleId } : {}),
    ...(input.groups ? { groups: input.groups } : {}),
  };
}

/** The phase with its program's `notify` targets added to its own: a program's people hear of every phase. */
function withProgramNotify(plan: ResolvedProgramPlan, phase: PhasePlan): PhasePlan {
  return plan.notify ? { ...phase, notify: [...(phase.notify ?? []), ...plan.notify] } : phase;
}

function childOptions(
  plan: ResolvedProgramPlan,
  phase: PhasePlan,
  record: PhaseRecord & { runId: string },
  input: ProgramRunInput,
) {
  return {
    workflowId: record.runId,
    // Runs recorded before these inputs existed had none, so their child starts are unchanged.
    args: [{ plan: withProgramNotify(plan, phase), ...inherited(input) }] as [PhaseRunInput],
    staticSummary: `Phase ${phase.id} of program ${plan.id}: ${phase.title ?? phase.id}`,
    typedSearchAttributes: [
      { key: PhasePlanKey, value: phase.id },
      { key: PhaseState, value: 'running' },
      { key: PhaseKind, value: 'phase' },
    ],
  };
}

/** Why the program ended the way it did: the deadline (and during which phase), else the phase that stopped it. */
function programCause(
  status: RunStatus,
  plan: ResolvedProgramPlan,
  outcome: Outcome,
  deadlineHit: boolean,
): string | null {
  if (outcome === 'succeeded') return null;
  const stopped = status.phases?.find((p) => p.outcome && p.outcome !== 'succeeded');
  if (deadlineHit) return `deadline of ${plan.deadline} passed${stopped ? ` during phase ${stopped.plan}` : ''}`;
  return stopped ? `phase ${stopped.plan} ${stopped.outcome}` : outcome;
}

/** What the parts of a program run share: its input, its status, and how a change is recorded and shown. */
interface ProgramRun {
  input: ProgramRunInput;
  plan: ResolvedProgramPlan;
  status: RunStatus;
  event(type: string, message: string, step?: string): void;
  /** Upserts `PhaseState` and re-renders the current details. */
  publish(): void;
}

/** Builds the run's status and registers its queries (synchronous: no command). */
function newProgramRun(input: ProgramRunInput): ProgramRun {
  const plan = input.plan;
  const status = newProgramStatus(workflowInfo().workflowId, plan);
  status.source = input.source ?? null;
  status.startedBy = input.startedBy ?? null;
  status.scheduleId = input.scheduleId ?? null;
  setHandler(statusQuery, () => status);
  setHandler(statusPageQuery, (request) => statusPage(status, request));
  return {
    input,
    plan,
    status,
    event: (type, message, step) => appendEvent(status, type, message, step),
    publish: () => {
      upsertSearchAttributes([{ key: PhaseState, value: status.state }]);
      setCurrentDetails(renderMarkdown(status));
    },
  };
}

/**
 * The program's main scope: wait for `startAt`, then run each phase as a child to its end; a phase
 * that does not succeed rethrows its failure. (The same `await`s the inline version had: an extra
 * async layer would shift commands on replay.)
 */
async function runPhases(run: ProgramRun, scheduled: boolean, summaries: boolean): Promise<void> {
  const { plan, status, event } = run;
  const wait = startWait(plan.startAt, (begin) => event('scheduled', `waiting until ${begin} to start`), summaries);
  if (wait) await wait;
  if (scheduled) {
    markStarted(status);
    run.publish();
  }
  for (const [i, phase] of plan.phases.entries()) {
    const record = status.phases?.[i];
    if (!record) continue;
    const started = Object.assign(record, { runId: phaseRunId(status.runId, phase.id), state: 'running' as const });
    event('phase-started', `phase ${i + 1} of ${plan.phases.length}: ${phase.id}`, phase.id);
    setCurrentDetails(renderMarkdown(status));
    try {
      await executeChild(phaseWorkflow, childOptions(plan, phase, started, run.input));
      record.outcome = 'succeeded';
      record.state = 'succeeded';
      event('phase-succeeded', `${phase.id} succeeded`, phase.id);
    } catch (err) {
      record.outcome = outcomeOf(err);
      record.state = record.outcome;
      event('phase-ended', `${phase.id} ${record.outcome}: program stops`, phase.id);
      throw err;
    }
  }
}

/** Runs a program's phases one after another. Ends like `phaseWorkflow` does. */
export async function programWorkflow(input: ProgramRunInput): Promise<RunStatus> {
  const run = newProgramRun(input);
  const { plan, status, event } = run;
  // Waiting for startAt is `scheduled`, in the status and in PhaseState (runs recorded before
  // SCHEDULED_STATE said `running` while they waited).
  const scheduled = willWait(plan.startAt) && patched(SCHEDULED_STATE);
  if (scheduled) markScheduled(status, plan.startAt as string);
  else if (startAtPassed(plan.startAt))
    event('start-at-passed', `startAt ${plan.startAt} had already passed: started at once`);
  run.publish();

  const summaries = hasTimers(plan) && patched(PROGRAM_TIMER_SUMMARIES);
  let outcome: Outcome = 'succeeded';
  let failure: unknown;
  const main = new CancellationScope();
  // Armed before the start wait (unlike a phase's): a program's deadline counts from its start.
  const deadline = armDeadline(main, plan.deadline, {
    summary: summaries,
    settled: () => Boolean(status.outcome),
    onPassed: (d) => event('deadline', `deadline of ${d} passed: cancelling the running phase`),
  });
  try {
    await main.run(() => runPhases(run, scheduled, summaries));
  } catch (err) {
    failure = err;
    outcome = deadline.hit ? 'timed-out' : outcomeOf(err);
  }

  recordOutcome(status, outcome, programCause(status, plan, outcome, deadline.hit));
  status.state = outcome;
  event('outcome', status.cause ? `${outcome}: ${status.cause}` : outcome);
  run.publish();
  return endRun(status, failure);
}
