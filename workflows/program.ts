/**
 * `programWorkflow`: runs the phases of a program in order, each as a child `phaseWorkflow`
 * (workflow id `<program run id>--<phase id>`). Phase N+1 starts only when phase N succeeded; a
 * phase that ends otherwise stops the program with that phase's outcome. Cancelling the program
 * cancels the running phase, which rolls itself back; so does passing the program's `deadline`
 * (outcome `timed-out`). Phases that already succeeded are not undone.
 */
import {
  ApplicationFailure,
  CancellationScope,
  executeChild,
  isCancellation,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { statusQuery, type ProgramRunInput } from './messages';
import { PhasePlan as PhasePlanKey, PhaseKind, PhaseState } from './search-attributes';
import { newRunStatus, renderMarkdown, type Outcome, type RunStatus } from './status';
import { phaseWorkflow } from './phase';
import { parseDuration } from './plan/duration';

const OUTCOME_OF_TYPE: Record<string, Outcome> = {
  PhaseRejected: 'rejected',
  PhaseFailed: 'failed',
  PhaseTimedOut: 'timed-out',
  PhaseCancelled: 'cancelled',
};

function outcomeOf(err: unknown): Outcome {
  if (isCancellation(err)) return 'cancelled';
  let e: unknown = err;
  while (e && typeof e === 'object') {
    if (e instanceof ApplicationFailure && e.type && OUTCOME_OF_TYPE[e.type]) return OUTCOME_OF_TYPE[e.type] as Outcome;
    e = (e as { cause?: unknown }).cause;
  }
  return 'failed';
}

/** Runs a program's phases one after another. Ends like `phaseWorkflow` does. */
export async function programWorkflow(input: ProgramRunInput): Promise<RunStatus> {
  const plan = input.plan;
  const info = workflowInfo();
  const status: RunStatus = {
    ...newRunStatus(info.workflowId, plan, 'program'),
    phases: plan.phases.map((p) => ({ plan: p.id, runId: `${info.workflowId}--${p.id}`, outcome: null, state: 'running', title: p.title ?? p.id })),
  };
  setHandler(statusQuery, () => status);
  const event = (type: string, message: string, step?: string) => status.events.push({ at: new Date().toISOString(), type, message, ...(step ? { step } : {}) });
  const publish = () => {
    upsertSearchAttributes([{ key: PhaseState, value: status.state }]);
    setCurrentDetails(renderMarkdown(status));
  };
  publish();

  let outcome: Outcome = 'succeeded';
  let failure: unknown;
  const main = new CancellationScope();
  let deadlineHit = false;
  if (plan.deadline) {
    const deadline = plan.deadline;
    CancellationScope.nonCancellable(() => sleep(parseDuration(deadline))).then(
      () => {
        if (status.outcome) return;
        deadlineHit = true;
        event('deadline', `deadline of ${deadline} passed: cancelling the running phase`);
        main.cancel();
      },
      () => undefined,
    );
  }
  try {
    await main.run(async () => {
      if (plan.startAt) {
        const wait = Date.parse(plan.startAt) - Date.now();
        if (wait > 0) {
          event('scheduled', `waiting until ${plan.startAt} to start`);
          await sleep(wait);
        }
      }
      for (const [i, phase] of plan.phases.entries()) {
        const record = status.phases?.[i];
        if (!record) continue;
        event('phase-started', `phase ${i + 1}/${plan.phases.length}: ${phase.id}`, phase.id);
        setCurrentDetails(renderMarkdown(status));
        try {
          await executeChild(phaseWorkflow, {
            workflowId: record.runId,
            args: [{ plan: phase }],
            staticSummary: `Phase ${phase.id} of program ${plan.id}: ${phase.title ?? phase.id}`,
            typedSearchAttributes: [
              { key: PhasePlanKey, value: phase.id },
              { key: PhaseState, value: 'running' },
              { key: PhaseKind, value: 'phase' },
            ],
          });
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
    });
  } catch (err) {
    failure = err;
    outcome = deadlineHit ? 'timed-out' : outcomeOf(err);
  }

  status.outcome = outcome;
  status.state = outcome;
  status.endedAt = new Date().toISOString();
  if (outcome !== 'succeeded') {
    const stopped = status.phases?.find((p) => p.outcome && p.outcome !== 'succeeded');
    status.cause = deadlineHit ? `deadline of ${plan.deadline} passed${stopped ? ` during phase ${stopped.plan}` : ''}` : stopped ? `phase ${stopped.plan} ${stopped.outcome}` : outcome;
  }
  event('outcome', status.cause ? `${outcome}: ${status.cause}` : outcome);
  publish();
  if (outcome === 'succeeded') return status;
  if (outcome === 'cancelled' && isCancellation(failure)) throw failure;
  const type = Object.entries(OUTCOME_OF_TYPE).find(([, o]) => o === outcome)?.[0] ?? 'PhaseFailed';
  throw ApplicationFailure.create({ type, message: `${plan.id} ${outcome}: ${status.cause}`, nonRetryable: true, details: [{ outcome, runId: status.runId }] });
}
