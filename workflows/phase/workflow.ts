/**
 * `phaseWorkflow`: runs one phase plan durably.
 *
 * - Steps whose `needs` are done start at once, up to `maxParallel` running tasks (`scheduler.ts`).
 * - Each task attempt is one activity (or one external agent claim/complete cycle); the workflow
 *   counts attempts itself so every attempt, its error and its back-off are in the status
 *   (`attempts.ts`, `agent-attempts.ts`).
 * - Gates evaluate checks on upstream metrics, then wait for decisions (Update or Signal `decide`)
 *   (`gate-run.ts`).
 * - A failed task (after retries), a no-go, a cancel or the deadline rolls back: completed tasks
 *   with a `rollback` are compensated newest completion first, in a non-cancellable scope
 *   (`compensation.ts`).
 * - `onFailure: hold` pauses on a failed task until an operator retries, skips or aborts it (`holds.ts`).
 * - A task or gate in one state longer than `escalateAfter` emits one escalation (`escalation.ts`).
 *
 * Ends by returning the status (succeeded), by failing with an `ApplicationFailure` of type
 * `PhaseRejected` / `PhaseFailed` / `PhaseTimedOut` (details: the outcome; see `../failures.ts`),
 * or as cancelled.
 */
import { CancellationScope, isCancellation, patched, workflowInfo } from '@temporalio/workflow';
import { errorMessage } from '../failures';
import {
  armDeadline,
  endRun,
  markScheduled,
  markStarted,
  recordOutcome,
  SCHEDULED_STATE,
  startAtPassed,
  startWait,
  willWait,
  type DeadlineState,
} from '../lifecycle';
import type { PhaseRunInput } from '../messages';
import type { Outcome, RunStatus } from '../status';
import { rollback, settleInflight } from './compensation';
import { closeOpenWaits } from './ending';
import { armCheckpoints } from './checkpoints';
import { registerHandlers } from './handlers';
import { drainNotifications, emit } from './notifications';
import { applyPeopleInput } from './people';
import { PhaseRun } from './run';
import { runDag } from './scheduler';

/**
 * Records the outcome, publishes it, sends `ended` and waits for notifications still in flight,
 * then returns or throws as the outcome says (see `endRun`).
 */
async function finish(
  run: PhaseRun,
  outcome: Outcome,
  cause: string | null,
  cancellation?: unknown,
): Promise<RunStatus> {
  run.rollingBack = false;
  closeOpenWaits(run);
  recordOutcome(run.status, outcome, cause);
  run.event('outcome', cause ? `${outcome}: ${cause}` : outcome);
  run.publish();
  run.flushDetails();
  const s = run.status;
  emit(run, 'ended', {
    message: cause ? `${outcome}: ${cause}` : outcome,
    outcome: { outcome, cause, startedAt: s.startedAt, endedAt: s.endedAt },
  });
  await drainNotifications(run);
  return endRun(run.status, cancellation);
}

/** Classifies what ended the main scope early; returns the cancellation to rethrow, if it was one. */
function mainScopeEnded(run: PhaseRun, err: unknown, deadline: DeadlineState): unknown {
  if (!isCancellation(err)) {
    run.fail('failed', `internal error: ${errorMessage(err)}`);
  } else if (deadline.hit) {
    run.stop ??= { outcome: 'timed-out', cause: `deadline of ${run.plan.deadline} passed` };
  } else {
    return err;
  }
  return undefined;
}

async function execute(run: PhaseRun, startAt: string | undefined): Promise<RunStatus> {
  const begin = startAt ?? run.plan.startAt;
  // Waiting for startAt is `scheduled`, not `running` (runs recorded before SCHEDULED_STATE said running).
  const scheduled = willWait(begin) && patched(SCHEDULED_STATE);
  if (scheduled) markScheduled(run.status, begin as string);
  else if (startAtPassed(begin)) run.event('start-at-passed', `startAt ${begin} had already passed: started at once`);
  run.publish();
  run.flushDetails();
  const wait = startWait(begin, (begin) => {
    run.event('scheduled', `waiting until ${begin} to start`);
    run.publish();
    run.flushDetails();
  });
  if (wait) {
    try {
      await wait;
    } catch (err) {
      if (isCancellation(err)) return finish(run, 'cancelled', 'cancelled before start', err);
      throw err;
    }
  }
  if (scheduled) markStarted(run.status);
  run.event('started', `run of ${run.plan.id} started`);
  armCheckpoints(run);

  const main = new CancellationScope();
  const deadline = armDeadline(main, run.plan.deadline, {
    summary: true,
    settled: () => run.settled,
    onPassed: (d) => run.event('deadline', `deadline of ${d} passed`),
  });
  let cancellation: unknown;
  try {
    await main.run(() => runDag(run));
  } catch (err) {
    cancellation = mainScopeEnded(run, err, deadline);
  }

  if (!run.stop && cancellation === undefined) return finish(run, 'succeeded', null);
  const outcome: Outcome = run.stop?.outcome ?? 'cancelled';
  const cause = run.stop?.cause ?? 'cancelled by request';
  if (outcome === 'cancelled') run.event('cancel', 'cancellation requested: rolling back');
  await CancellationScope.nonCancellable(async () => {
    await settleInflight(run);
    await rollback(run);
  });
  return finish(run, outcome, cause, cancellation);
}

/** Runs one phase plan. See the module comment for behaviour and how it ends. */
export async function phaseWorkflow(input: PhaseRunInput): Promise<RunStatus> {
  const run = new PhaseRun(input.plan, workflowInfo().workflowId);
  // Status-only facts of the start (no commands): which definition, who, and whether signals need signing.
  run.status.source = input.source ?? null;
  run.status.startedBy = input.startedBy ?? null;
  run.signedSignals = input.signedSignals === true;
  applyPeopleInput(run, input);
  // Handlers first: signals and updates sent before this point are buffered and delivered now.
  registerHandlers(run);
  return execute(run, input.startAt);
}
