/** The `phase` CLI's exit codes, and the error type that carries one. */

/** Exit codes (SPEC §6): scripts can branch on them. */
export const ExitCode = {
  /** Done as asked. */
  OK: 0,
  /** The run failed, was rejected, cancelled or timed out (with `--wait`/`--exit-status`); a plan is invalid; an agent command failed. */
  RUN_FAILED: 1,
  /** Bad usage: unknown command or option, bad argument, a request the API refused as invalid. */
  USAGE: 2,
  /** Not found or conflict: no such run/plan/step, run id taken, gate not awaiting, already voted. */
  NOT_FOUND: 3,
  /** The API is unreachable, or failed (5xx, 429 busy): try again later or ask whoever runs it. */
  SERVER: 4,
  /** Refused: no or a bad token (401), or the identity may not do this (403, e.g. not an approver of the gate). */
  DENIED: 5,
} as const;

/** One of {@link ExitCode}. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error that ends the CLI with a message and an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * The exit code for an HTTP status from the API: 404/409 → 3, 400/413/415/422 → 2, 401/403 → 5,
 * anything else (5xx, 429, unexpected codes) → 4. An HTTP status means the API was reached, so a
 * refusal is never reported as "unreachable".
 */
export function exitCodeForStatus(status: number): ExitCodeValue {
  if (status === 404 || status === 409) return ExitCode.NOT_FOUND;
  if (status === 401 || status === 403) return ExitCode.DENIED;
  if (status === 400 || status === 413 || status === 415 || status === 422) return ExitCode.USAGE;
  return ExitCode.SERVER;
}
