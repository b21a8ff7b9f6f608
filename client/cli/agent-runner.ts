/**
 * `phase agent <name> -- <command…>`: turns any command into an external agent. It asks the API
 * for the next task of the agent (`POST /api/agents/:agent/claim`, a long poll), runs the command
 * (argv, no shell) with the lease as JSON on stdin, heartbeats the lease while it runs, reads
 * `::metric name=value` lines from its stdout, then completes the task (exit 0: metrics plus the
 * last output line as summary) or fails it (non-zero: retryable), always quoting the `leaseId`.
 * A lost lease (missed heartbeats, the run moved on) kills the command's process group. Any
 * number of these may serve one agent name: each lease goes to exactly one of them.
 *
 * This module holds the claim loop; running the command is in `agent-command.ts`, reporting its
 * outcome in `agent-report.ts`, the public types in `agent-types.ts` (re-exported here).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Lease as ClaimResult } from '../api/schemas';
import { isTaken, runCommand } from './agent-command';
import { reportOutcome } from './agent-report';
import type { AgentRunnerOptions } from './agent-types';
import { ApiRequestError } from './api-client';
import { ExitCode, type ExitCodeValue } from './exit-codes';

export type { AgentEvent, AgentRunnerOptions, AgentTaskInput } from './agent-types';

/** Where the claim loop stands between tasks. */
interface ClaimState {
  /** The id of the claim being asked for: kept across a lost answer, new once one came. */
  leaseId: string;
  /** Since when no task came (the idle timeout counts from here). */
  idleSince: number;
  /** The `waiting` event was emitted for this wait. */
  announcedWait: boolean;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/** The label of this process: unique per process across machines. */
export function defaultLabel(): string {
  return `${hostname()}/${process.pid}`;
}

/** Errors that will not go away by retrying: stop the runner. */
function isFatal(err: unknown): boolean {
  return err instanceof ApiRequestError && (err.status === 401 || err.status === 403 || err.status === 400);
}

/**
 * The agent loop. Resolves with the exit code: 0 when every handled task completed, 1 when the
 * last handled task failed (or could not be reported), 2 when the command cannot be started,
 * 3 when no task came within `idleTimeoutMs`, 3/4 for API errors that retrying cannot fix.
 */
export async function runAgent(opts: AgentRunnerOptions): Promise<ExitCodeValue> {
  const state: ClaimState = { leaseId: randomUUID(), idleSince: Date.now(), announcedWait: false };
  let handled = 0;
  let last: ExitCodeValue = ExitCode.OK;
  while (!opts.signal?.aborted) {
    const asked = await askForTask(opts, state);
    if (asked.exit !== undefined) return asked.exit;
    const claim = asked.claim;
    if (!claim) {
      if (idleTimedOut(opts, state.idleSince)) return ExitCode.NOT_FOUND;
      continue;
    }
    state.announcedWait = false;
    if (opts.signal?.aborted) {
      await handBack(opts, claim);
      break;
    }
    const outcome = await runCommand(opts, claim);
    last = await reportOutcome(opts, claim, outcome);
    if (outcome.spawnError) return ExitCode.USAGE;
    handled++;
    if (opts.maxTasks !== undefined && handled >= opts.maxTasks) break;
    state.idleSince = Date.now();
  }
  return last;
}

/**
 * One claim request, announcing the wait once. Resolves with the task, with nothing (none came, or
 * an API error to retry after `pollMs`), or with the exit code of an API error retrying cannot fix.
 */
async function askForTask(
  opts: AgentRunnerOptions,
  state: ClaimState,
): Promise<{ claim?: ClaimResult; exit?: ExitCodeValue }> {
  const idleLeftMs = opts.idleTimeoutMs !== undefined ? opts.idleTimeoutMs - (Date.now() - state.idleSince) : undefined;
  if (!state.announcedWait) opts.emit({ event: 'waiting', agent: opts.agent });
  state.announcedWait = true;
  const asked = Date.now();
  try {
    const claim = await claimNext(opts, state.leaseId, idleLeftMs);
    state.leaseId = randomUUID(); // answered (a lease or 204): the next claim is a new one
    // A server that answers "none" at once (an older API, no long poll): do not spin.
    if (!claim && Date.now() - asked < 200) await sleep(opts.pollMs, opts.signal);
    return claim ? { claim } : {};
  } catch (err) {
    if (isTaken(err)) state.leaseId = randomUUID();
    if (isFatal(err)) {
      opts.emit({ event: 'error', message: (err as Error).message });
      return { exit: (err as ApiRequestError).exitCode };
    }
    opts.emit({ event: 'error', message: `${(err as Error).message} (retrying)` });
    await sleep(opts.pollMs, opts.signal);
    return {};
  }
}

/** True (after an `idle` event) when no task came within the idle timeout. */
function idleTimedOut(opts: AgentRunnerOptions, idleSince: number): boolean {
  const waitedMs = Date.now() - idleSince;
  if (opts.idleTimeoutMs === undefined || waitedMs < opts.idleTimeoutMs) return false;
  opts.emit({ event: 'idle', agent: opts.agent, waitedMs, timeoutMs: opts.idleTimeoutMs });
  return true;
}

/** Stopped while the claim was in flight: hand the task back at once instead of letting it time out. */
async function handBack(opts: AgentRunnerOptions, claim: ClaimResult): Promise<void> {
  await opts.api
    .fail(claim.runId, claim.stepId, {
      leaseId: claim.leaseId,
      reason: 'the agent was stopped before starting the task',
      retryable: true,
    })
    .catch(() => undefined);
}

/**
 * Asks for the next task, waiting up to the smaller of `waitMs` and what is left of the idle
 * timeout. `leaseId` is this claim's own id: after a lost answer (network error) the same id is
 * sent again, so the retry gets the lease the first request may have created instead of a second.
 */
async function claimNext(
  opts: AgentRunnerOptions,
  leaseId: string,
  idleLeftMs: number | undefined,
): Promise<ClaimResult | undefined> {
  const waitMs = Math.max(0, Math.min(opts.waitMs ?? 10_000, 60_000, idleLeftMs ?? Number.POSITIVE_INFINITY));
  const claim = await opts.api.claimNext(opts.agent, {
    wait: `${Math.floor(waitMs)}ms`,
    leaseId,
    label: opts.label ?? defaultLabel(),
    ...(opts.claimant ? { claimant: opts.claimant } : {}),
    ...(opts.runId ? { runId: opts.runId } : {}),
  });
  if (claim)
    opts.emit({
      event: 'claimed',
      runId: claim.runId,
      stepId: claim.stepId,
      attempt: claim.attempt,
      claimedBy: claim.claimedBy,
      leaseId: claim.leaseId,
      ...(claim.label ? { label: claim.label } : {}),
    });
  return claim;
}
