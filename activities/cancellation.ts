/** What an executor rethrows when its activity is cancelled (shared by the `shell` and `http` executors). */
import { CancelledFailure } from '@temporalio/activity';

/**
 * The error to rethrow on cancellation: the SDK's `CancelledFailure` (the abort reason). A reason
 * that is not an `Error` is wrapped in a new `CancelledFailure` (message `cancelled` when absent),
 * so the worker still reports the attempt as cancelled rather than failed.
 */
export function cancellationError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new CancelledFailure(String(signal.reason ?? 'cancelled'));
}
