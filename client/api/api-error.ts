/** The error type routes throw to answer a client with a given status (see `errors.ts`). */
import type { Problem } from './schemas';

/** An error meant for the client: its status, message and optional per-field details are sent as they are. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: Problem[],
    /** Extra top-level fields of the body (e.g. `ok: false, errors` of plan validation). */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
