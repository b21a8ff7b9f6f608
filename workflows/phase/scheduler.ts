/**
 * Scheduling: a loop starts every step whose needs are done (tasks up to `maxParallel`, gates
 * always), each in its own cancellable scope, then waits on the run's version counter, which every
 * handler and every settled step bumps. No polling timers.
 */
import { CancellationScope, condition, isCancellation } from '@temporalio/workflow';
import { errorMessage } from '../failures';
import type { Step } from '../plan/schema';
import type { GateStatus } from '../status';
import { runTask } from './attempts';
import { runGate } from './gate-run';
import type { PhaseRun } from './run';

/** What {@link readySteps} needs to know about the run, read at the moment each step is looked at. */
export interface ReadinessView {
  needsOf(id: string): readonly string[];
  isDone(id: string): boolean;
  isTask(id: string): boolean;
  /** Tasks running when the turn starts. */
  running: number;
  maxParallel: number;
}

/**
 * The steps of `notLaunched` to launch now, in plan order: all needs done and, for tasks, fewer
 * than `maxParallel` running (counting the ones yielded before). Lazy on purpose: the caller
 * launches each step before the next is looked at, so a gate that goes at once (no checks, no
 * approval) lets its dependants start in the same turn. Steps not yielded are pushed to `waiting`.
 */
export function* readySteps(
  notLaunched: readonly Step[],
  view: ReadinessView,
  waiting: Step[],
): Generator<Step, void, void> {
  let running = view.running;
  for (const step of notLaunched) {
    const task = view.isTask(step.id);
    const ready = view.needsOf(step.id).every((n) => view.isDone(n));
    if (!ready || (task && running >= view.maxParallel)) {
      waiting.push(step);
      continue;
    }
    if (task) running++;
    yield step;
  }
}

/** Runs a step's coroutine in its own cancellable scope, tracked in `run.inflight` until it settles. */
function launch(run: PhaseRun, id: string, body: () => Promise<void>): void {
  const scope = new CancellationScope();
  const done = scope
    .run(body)
    .catch((err) => {
      if (!isCancellation(err)) run.fail('failed', `internal error in step "${id}": ${errorMessage(err)}`);
    })
    .finally(() => {
      run.inflight.delete(id);
      run.changed();
    });
  run.inflight.set(id, { scope, done });
}

/** Starts one step: a task's attempts or a gate's checks and decisions. */
function launchStep(run: PhaseRun, step: Step): void {
  const t = run.tasks.get(step.id);
  const g = run.gates.get(step.id);
  launch(run, step.id, t ? () => runTask(run, t) : () => runGate(run, g as GateStatus));
}

/** Runs the plan's steps until all are done or the run stops (`run.stop`). */
export async function runDag(run: PhaseRun): Promise<void> {
  const maxParallel = run.plan.maxParallel ?? Number.POSITIVE_INFINITY;
  const view = {
    needsOf: (id: string) => run.needsOf.get(id) ?? [],
    isDone: (id: string) => run.isDone(id),
    isTask: (id: string) => run.tasks.has(id),
    running: 0,
    maxParallel,
  };
  // Steps not launched yet, in plan order: each turn scans only these.
  let notLaunched = [...run.plan.steps];
  for (;;) {
    if (run.stop) return;
    view.running = run.status.steps.filter((s) => s.state === 'running').length;
    const waiting: Step[] = [];
    for (const step of readySteps(notLaunched, view, waiting)) launchStep(run, step);
    notLaunched = waiting;
    run.publish();
    run.flushDetails();
    if (notLaunched.length === 0 && run.plan.steps.every((s) => run.isDone(s.id))) return;
    const seen = run.version;
    await condition(() => run.version !== seen);
  }
}
