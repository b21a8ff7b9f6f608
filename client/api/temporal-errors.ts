/**
 * Maps what the Temporal client throws to API errors. Update validators reject with an
 * `ApplicationFailure` whose `type` names the HTTP class of the problem (see `RejectionType` in
 * `workflows/messages.ts`); a missing workflow is a 404; an unanswered query or Update (no worker
 * polling) is a 503 that says so; an unreachable Temporal is a 503.
 */
import {
  ApplicationFailure,
  isGrpcDeadlineError,
  isGrpcServiceError,
  QueryNotRegisteredError,
  QueryRejectedError,
  ServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import type { RejectionType } from '../../workflows/messages';
import { RunIdTakenError } from '../runs';
import { ApiError } from './api-error';

/** gRPC status codes we look for (from the gRPC spec; not importing grpc-js, a transitive dependency). */
const GrpcStatus = {
  CANCELLED: 1,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  UNAVAILABLE: 14,
} as const;

const REJECTION_STATUS: Record<RejectionType, number> = { NotFound: 404, Forbidden: 403, Conflict: 409, Invalid: 400 };

const NO_WORKER =
  'timed out waiting for Temporal or a worker: is Temporal up and a Phasegate worker running on the task queue?';

function grpcCode(err: unknown): number | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (isGrpcServiceError(e)) return e.code;
  }
  return undefined;
}

/** The first line of a Temporal error's message, cut short (never a stack). */
function grpcMessage(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]?.slice(0, 200) ?? '';
}

/** The {@link ApiError} for a Temporal client error, or `undefined` when it is not one we understand. */
export function temporalToApiError(err: unknown): ApiError | undefined {
  if (err instanceof RunIdTakenError)
    return new ApiError(409, err.message, [{ path: 'runId', message: 'already used by another run' }]);
  if (err instanceof WorkflowNotFoundError) return new ApiError(404, `run "${err.workflowId}" not found`);
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure && cause.type && cause.type in REJECTION_STATUS) {
      return new ApiError(REJECTION_STATUS[cause.type as RejectionType], cause.message);
    }
    // A workflow without that Update (e.g. a program asked for a phase's gate with nothing to route to).
    if (cause instanceof ApplicationFailure && /^No registered handler for update/.test(cause.message)) {
      const name = cause.message.replace(/^No registered handler for update:\s*/, '');
      return new ApiError(
        409,
        `this run does not accept the request (its workflow has no "${name}" handler): is it a program? Its gates and tasks live in its phase runs`,
      );
    }
    // Anything else is the workflow's bug or an unsupported message; the cause's message is safe to show.
    return new ApiError(
      500,
      `the run could not process the request${cause instanceof ApplicationFailure ? `: ${cause.message}` : ''}`,
    );
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isGrpcDeadlineError(err))
    return new ApiError(503, NO_WORKER);
  if (err instanceof QueryNotRegisteredError)
    return new ApiError(
      503,
      'the run does not answer the status query (is the worker running the current workflow code?)',
    );
  if (err instanceof QueryRejectedError) return new ApiError(409, 'the run rejected the query');
  const code = grpcCode(err);
  // A query's deadline passing surfaces as a ServiceError wrapping a DEADLINE_EXCEEDED gRPC error,
  // or, about half the time, CANCELLED ("Call cancelled": grpc-js cancels the call at the deadline).
  // The API never cancels a call for any other reason.
  if (code === GrpcStatus.DEADLINE_EXCEEDED || code === GrpcStatus.CANCELLED) return new ApiError(503, NO_WORKER);
  if (code === GrpcStatus.UNAVAILABLE) return new ApiError(503, 'Temporal is unreachable');
  // The run cannot take the request in its present state (e.g. its workflow task keeps failing).
  if (code === GrpcStatus.FAILED_PRECONDITION)
    return new ApiError(409, `the run cannot take this request now: ${grpcMessage(err)}`);
  if (code === GrpcStatus.RESOURCE_EXHAUSTED || code === GrpcStatus.ABORTED)
    return new ApiError(503, `Temporal is busy: ${grpcMessage(err)}`);
  if (code === GrpcStatus.NOT_FOUND) return new ApiError(404, 'not found');
  if (err instanceof ServiceError && /query.*(failed|timeout)|workflow task/i.test(err.message))
    return new ApiError(503, `the run could not answer: ${err.message.slice(0, 200)}`);
  return undefined;
}
