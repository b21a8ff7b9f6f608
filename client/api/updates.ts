/**
 * Sending an Update to a run, with the two things every route needs: a deadline (no worker → 503
 * instead of a hang) and a clear answer for runs that have ended (409, where Temporal itself only
 * says "not found").
 */
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { ApiError } from './api-error';
import { withDeadline, type AppDeps } from './deps';

/** Runs `send` against the run's handle; a closed run answers 409, a missing one 404. */
export async function updateRun<T>(deps: AppDeps, runId: string, send: (handle: WorkflowHandle) => Promise<T>): Promise<T> {
  const handle = deps.client.workflow.getHandle(runId);
  try {
    return await withDeadline(deps, () => send(handle));
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    const described = await withDeadline(deps, () => handle.describe()).catch(() => undefined);
    if (described && described.status.name !== 'RUNNING') {
      throw new ApiError(409, `run "${runId}" has already ended (${described.status.name.toLowerCase()})`);
    }
    throw err;
  }
}
