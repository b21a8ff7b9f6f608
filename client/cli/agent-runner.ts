/**
 * `phase agent <name> -- <command…>`: turns any command into an external agent. It asks the API
 * for the next task of the agent (`POST /api/agents/:agent/claim`, a long poll), runs the command
 * (argv, no shell) with the lease as JSON on stdin, heartbeats the lease while it runs, reads
 * `::metric name=value` lines from its stdout, then completes the task (exit 0: metrics plus the
 * last output line as summary) or fails it (non-zero: retryable), always quoting the `leaseId`.
 * A lost lease (missed heartbeats, the run moved on) kills the command's process group. Any
 * number of these may serve one agent name: each lease goes to exactly one of them.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import { parseMetricLine } from '../../activities/metrics';
import { terminateProcessGroup, trackProcessGroup } from '../../activities/process-group';
import type { MetricValue } from '../../workflows/status';
import type { Lease as ClaimResult } from '../api/schemas';
import { ApiRequestError, type PhasegateApi } from './api-client';
import { ExitCode, type ExitCodeValue } from './exit-codes';

/** Options of {@link runAgent}. */
export interface AgentRunnerOptions {
  api: PhasegateApi;
  /** The agent name whose tasks to take. */
  agent: string;
  /** argv of the command to run per task. */
  command: string[];
  /** Without tokens: the identity to hold leases under (default: the agent name); with tokens only a label. */
  claimant?: string;
  /** Shown next to the identity on each lease (default `<host>/<pid>`, unique per process). */
  label?: string;
  /** Only take tasks of this run. */
  runId?: string;
  /** Longest wait of one claim request (the API's long poll; at most 60 s, default 10 s; Ctrl-C waits for it). */
  waitMs?: number;
  /** Pause after an API error before asking again. */
  pollMs: number;
  /** Interval of heartbeats while the command runs. */
  heartbeatMs: number;
  /** Stop after this many tasks (1 for `--once`); unlimited when undefined. */
  maxTasks?: number;
  /** Give up after waiting this long without a task (exit 3); forever when undefined. */
  idleTimeoutMs?: number;
  /** Events for the user (human text or JSON lines, as the caller prints them). */
  emit(event: AgentEvent): void;
  /** Where the command's stdout lines go (the CLI's stdout, or stderr in `--json` mode). */
  echo(line: string): void;
  /** Stops the loop (Ctrl-C): a running command is killed and its attempt failed as retryable. */
  signal?: AbortSignal;
}

/** What the runner reports as it goes. */
export type AgentEvent =
  | { event: 'waiting'; agent: string }
  | { event: 'idle'; agent: string; waitedMs: number; timeoutMs?: number }
  | {
      event: 'claimed';
      runId: string;
      stepId: string;
      attempt: number;
      claimedBy: string;
      leaseId: string;
      label?: string;
    }
  | {
      event: 'completed';
      runId: string;
      stepId: string;
      attempt: number;
      metrics: Record<string, MetricValue>;
      summary?: string;
    }
  | { event: 'failed'; runId: string; stepId: string; attempt: number; reason: string }
  | { event: 'lost'; runId: string; stepId: string; attempt: number; reason: string }
  | { event: 'error'; message: string };

/** The JSON the command reads on stdin. */
export interface AgentTaskInput extends ClaimResult {
  /** Same as the claim's fields, repeated at the top for scripts: which run and step this is. */
  runId: string;
  stepId: string;
}

/** How one command run ended. */
interface CommandOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  metrics: Record<string, MetricValue>;
  summary: string | undefined;
  stderrTail: string | undefined;
  spawnError?: string;
  lost?: string;
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

/** Errors that mean "the lease is gone / the task is gone". */
function isTaken(err: unknown): boolean {
  return err instanceof ApiRequestError && (err.status === 409 || err.status === 404);
}

/** Errors that will not go away by retrying: stop the runner. */
function isFatal(err: unknown): boolean {
  return err instanceof ApiRequestError && (err.status === 401 || err.status === 403 || err.status === 400);
}

/** Runs the command for one claimed task; heartbeats meanwhile. */
async function runCommand(opts: AgentRunnerOptions, claim: ClaimResult): Promise<CommandOutcome> {
  const [program, ...args] = opts.command as [string, ...string[]];
  const input: AgentTaskInput = { ...claim, runId: claim.runId, stepId: claim.stepId };
  const metrics: Record<string, MetricValue> = {};
  let summary: string | undefined;
  let stderrTail: string | undefined;
  let lost: string | undefined;

  const child = spawn(program, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true, // its own process group, so a lost claim or Ctrl-C stops everything it started
    env: {
      ...process.env,
      PHASEGATE_RUN_ID: claim.runId,
      PHASEGATE_STEP_ID: claim.stepId,
      PHASEGATE_ATTEMPT: String(claim.attempt),
    },
  });
  const spawned = new Promise<string | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', (err) => resolve(err.message));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );

  const spawnError = await spawned;
  if (spawnError) return { exitCode: null, signal: null, metrics, summary, stderrTail, spawnError };
  const untrack = child.pid ? trackProcessGroup(child.pid) : () => true;

  // The task goes in on stdin; a command that never reads it must not crash us with EPIPE.
  child.stdin.on('error', () => {});
  child.stdin.end(`${JSON.stringify(input)}\n`);

  createInterface({ input: child.stdout }).on('line', (line) => {
    const metric = parseMetricLine(line);
    if (metric) metrics[metric[0]] = metric[1];
    else if (line.trim() !== '') summary = line.trim().slice(0, 10_000);
    opts.echo(line);
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    process.stderr.write(`${line}\n`);
    if (line.trim() !== '') stderrTail = line.trim().slice(0, 2000);
  });

  const kill = (reason: string) => {
    if (lost) return;
    lost = reason;
    if (child.pid) void terminateProcessGroup(child.pid);
  };
  const onAbort = () => kill('the agent was stopped');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const beat = setInterval(
    () => {
      opts.api
        .heartbeat(claim.runId, claim.stepId, {
          leaseId: claim.leaseId,
          attempt: claim.attempt,
          ...(summary ? { progress: summary.slice(0, 2000) } : {}),
        })
        .catch((err: unknown) => {
          if (isTaken(err)) kill(`heartbeat refused: ${(err as Error).message}`);
          // Other errors (API briefly down) are retried at the next beat; the heartbeat timeout decides.
        });
    },
    heartbeatEvery(opts.heartbeatMs, claim.heartbeatTimeout),
  );

  const { code, signal } = await exited;
  clearInterval(beat);
  untrack();
  opts.signal?.removeEventListener('abort', onAbort);
  return { exitCode: code, signal, metrics, summary, stderrTail, ...(lost ? { lost } : {}) };
}

/** Reports the command's outcome to the run; true when the task was completed. */
async function report(opts: AgentRunnerOptions, claim: ClaimResult, outcome: CommandOutcome): Promise<boolean> {
  const ids = { runId: claim.runId, stepId: claim.stepId, attempt: claim.attempt };
  const lease = { leaseId: claim.leaseId, attempt: claim.attempt };
  if (outcome.lost && outcome.lost !== 'the agent was stopped') {
    opts.emit({ event: 'lost', ...ids, reason: outcome.lost });
    return false;
  }
  if (outcome.exitCode === 0 && !outcome.lost) {
    await opts.api.complete(claim.runId, claim.stepId, {
      ...lease,
      metrics: outcome.metrics,
      ...(outcome.summary ? { summary: outcome.summary } : {}),
    });
    opts.emit({
      event: 'completed',
      ...ids,
      metrics: outcome.metrics,
      ...(outcome.summary ? { summary: outcome.summary } : {}),
    });
    return true;
  }
  const why = outcome.spawnError
    ? `cannot start ${JSON.stringify(opts.command[0])}: ${outcome.spawnError}`
    : outcome.lost
      ? outcome.lost
      : outcome.signal
        ? `command killed by ${outcome.signal}`
        : `command exited with code ${outcome.exitCode}`;
  const reason = outcome.stderrTail ? `${why}: ${outcome.stderrTail}` : why;
  await opts.api.fail(claim.runId, claim.stepId, { ...lease, reason: reason.slice(0, 10_000), retryable: true });
  opts.emit({ event: 'failed', ...ids, reason });
  return false;
}

/** Heartbeat interval: the option, but at most a third of the lease's heartbeat timeout. */
function heartbeatEvery(optionMs: number, timeout: string | undefined): number {
  const m = timeout ? /^([0-9]+)(ms|s)$/.exec(timeout) : null;
  if (!m) return optionMs;
  const timeoutMs = Number(m[1]) * (m[2] === 's' ? 1000 : 1);
  return Math.max(100, Math.min(optionMs, Math.floor(timeoutMs / 3)));
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

/**
 * The agent loop. Resolves with the exit code: 0 when every handled task completed, 1 when the
 * last handled task failed (or could not be reported), 2 when the command cannot be started,
 * 3 when no task came within `idleTimeoutMs`, 3/4 for API errors that retrying cannot fix.
 */
export async function runAgent(opts: AgentRunnerOptions): Promise<ExitCodeValue> {
  let handled = 0;
  let last: ExitCodeValue = ExitCode.OK;
  let announcedWait = false;
  let idleSince = Date.now();
  let leaseId = randomUUID();
  while (!opts.signal?.aborted) {
    let claim: ClaimResult | undefined;
    const idleLeftMs = opts.idleTimeoutMs !== undefined ? opts.idleTimeoutMs - (Date.now() - idleSince) : undefined;
    if (!announcedWait) opts.emit({ event: 'waiting', agent: opts.agent });
    announcedWait = true;
    const asked = Date.now();
    try {
      claim = await claimNext(opts, leaseId, idleLeftMs);
      leaseId = randomUUID(); // answered (a lease or 204): the next claim is a new one
      // A server that answers "none" at once (an older API, no long poll): do not spin.
      if (!claim && Date.now() - asked < 200) await sleep(opts.pollMs, opts.signal);
    } catch (err) {
      if (isTaken(err)) leaseId = randomUUID();
      if (isFatal(err)) {
        opts.emit({ event: 'error', message: (err as Error).message });
        return (err as ApiRequestError).exitCode;
      }
      opts.emit({ event: 'error', message: `${(err as Error).message} (retrying)` });
      await sleep(opts.pollMs, opts.signal);
    }
    if (!claim) {
      const waitedMs = Date.now() - idleSince;
      if (opts.idleTimeoutMs !== undefined && waitedMs >= opts.idleTimeoutMs) {
        opts.emit({ event: 'idle', agent: opts.agent, waitedMs, timeoutMs: opts.idleTimeoutMs });
        return ExitCode.NOT_FOUND;
      }
      continue;
    }
    announcedWait = false;
    if (opts.signal?.aborted) {
      // Stopped while the claim was in flight: hand the task back at once instead of letting it time out.
      await opts.api
        .fail(claim.runId, claim.stepId, {
          leaseId: claim.leaseId,
          reason: 'the agent was stopped before starting the task',
          retryable: true,
        })
        .catch(() => undefined);
      break;
    }
    const outcome = await runCommand(opts, claim);
    try {
      last = (await report(opts, claim, outcome)) ? ExitCode.OK : ExitCode.RUN_FAILED;
    } catch (err) {
      opts.emit({ event: 'error', message: `could not report the result: ${(err as Error).message}` });
      last = ExitCode.RUN_FAILED;
    }
    if (outcome.spawnError) return ExitCode.USAGE;
    handled++;
    if (opts.maxTasks !== undefined && handled >= opts.maxTasks) break;
    idleSince = Date.now();
  }
  return last;
}
