/**
 * Sending an Update to a run, with the two things every route needs: a deadline (no worker → 503
 * instead of a hang) and a clear answer for runs that have ended (409, where Temporal itself only
 * says "not found"). Programs hold no gates or tasks themselves: {@link updateRunOrPhase} sends a
 * request made to a program on to its running phase.
 */
import {
  ApplicationFailure,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { statusQuery } from '../../workflows/messages';
import { phaseLabel, runningPhase } from '../program-phases';
import { ApiError } from './api-error';
import { withDeadline, type AppDeps } from './deps';
import { toApiError } from './errors';
import { statusCacheOf } from './status-cache';

/** Runs `send` against the run's handle; a closed run answers 409, a missing one 404. */
export async function updateRun<T>(
  deps: AppDeps,
  runId: string,
  send: (handle: WorkflowHandle) => Promise<T>,
): Promise<T> {
  const handle = deps.client.workflow.getHandle(runId);
  try {
    const out = await withDeadline(deps, () => send(handle));
    // Whoever changed the run reads the change at once, not a cached status from before it.
    statusCacheOf(deps).invalidate(runId);
    return out;
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    const described = await withDeadline(deps, () => handle.describe()).catch(() => undefined);
    if (described && described.status.name !== 'RUNNING') {
      throw new ApiError(409, `run "${runId}" has already ended (${described.status.name.toLowerCase()})`);
    }
    throw err;
  }
}

/** True when the workflow has no handler for the Update (the SDK rejects it with this message). */
export function isUnhandledUpdate(err: unknown): boolean {
  return (
    err instanceof WorkflowUpdateFailedError &&
    err.cause instanceof ApplicationFailure &&
    /^No registered handler for update/.test(err.cause.message)
  );
}

/**
 * Like {@link updateRun}; when the run is a program (which has no handler for phase Updates), the
 * Update goes to the program's running phase instead. `what` names the target for messages
 * (`gate "release"`). A program with no running phase answers 409 saying so; the phase's own
 * refusals (404 unknown gate, 409 not awaiting, 403 …) keep their status and name the phase.
 */
export async function updateRunOrPhase<T>(
  deps: AppDeps,
  runId: string,
  what: string,
  send: (handle: WorkflowHandle) => Promise<T>,
): Promise<T> {
  try {
    return await updateRun(deps, runId, send);
  } catch (err) {
    if (!isUnhandledUpdate(err)) throw err;
  }
  const status = await withDeadline(deps, () => deps.client.workflow.getHandle(runId).query(statusQuery));
  if (status.kind !== 'program')
    throw new ApiError(409, `run "${runId}" does not accept this request (its workflow has no handler for it)`);
  const running = runningPhase(status);
  if (!running) {
    const why = status.outcome ? `it has ended (${status.outcome})` : 'it has not started its first phase yet';
    throw new ApiError(
      409,
      `run "${runId}" is a program and no phase of it is running: ${why}. Its gates and tasks live in its phase runs, "${runId}--<phase id>"`,
    );
  }
  try {
    return await updateRun(deps, running.record.runId, send);
  } catch (err) {
    const api = toApiError(err);
    if (!api || api.status >= 500) throw err;
    throw new ApiError(
      api.status,
      `${what} of program "${runId}", ${phaseLabel(running)}: ${api.message}`,
      api.details,
    );
  }
}
