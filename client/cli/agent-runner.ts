/**
 * `phase agent <name> -- <command…>`: turns any command into an external agent. For each open task
 * of the agent it claims the task, runs the command (argv, no shell) with the task as JSON on
 * stdin, heartbeats while it runs, reads `::metric name=value` lines from its stdout, then
 * completes the task (exit 0: metrics plus the last output line as summary) or fails it (non-zero:
 * retryable). A lost claim (the run moved on: cancelled, timed out, claimed elsewhere) kills the
 * command's process group.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseMetricLine } from '../../activities/metrics';
import { terminateProcessGroup, trackProcessGroup } from '../../activities/process-group';
import type { ClaimResult } from '../../workflows/messages';
import type { MetricValue } from '../../workflows/status';
import type { AgentTask } from '../api/schemas';
import { ApiRequestError, type PhasegateApi } from './api-client';
import { ExitCode, type ExitCodeValue } from './exit-codes';

/** Options of {@link runAgent}. */
export interface AgentRunnerOptions {
  api: PhasegateApi;
  /** The agent name whose tasks to take. */
  agent: string;
  /** argv of the command to run per task. */
  command: string[];
  /** Claimant identity (default: the server decides: token identity, else the agent name). */
  claimant?: string;
  /** Wait between polls when there is nothing to do. */
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
  | { event: 'idle'; agent: string; waitedMs: number }
  | { event: 'claimed'; runId: string; stepId: string; attempt: number; claimedBy: string }
  | { event: 'skipped'; runId: string; stepId: string; reason: string }
  | { event: 'completed'; runId: string; stepId: string; attempt: number; metrics: Record<string, MetricValue>; summary?: string }
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
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

/** Errors that mean "someone else got there / the task is gone": try the next task. */
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
    env: { ...process.env, PHASEGATE_RUN_ID: claim.runId, PHASEGATE_STEP_ID: claim.stepId, PHASEGATE_ATTEMPT: String(claim.attempt) },
  });
  const spawned = new Promise<string | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', (err) => resolve(err.message));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));

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
  const beat = setInterval(() => {
    opts.api
      .heartbeat(claim.runId, claim.stepId, { attempt: claim.attempt, ...(opts.claimant ? { claimant: opts.claimant } : {}), ...(summary ? { progress: summary.slice(0, 2000) } : {}) })
      .catch((err: unknown) => {
        if (isTaken(err)) kill(`heartbeat refused: ${(err as Error).message}`);
        // Other errors (API briefly down) are retried at the next beat; the heartbeat timeout decides.
      });
  }, opts.heartbeatMs);

  const { code, signal } = await exited;
  clearInterval(beat);
  untrack();
  opts.signal?.removeEventListener('abort', onAbort);
  return { exitCode: code, signal, metrics, summary, stderrTail, ...(lost ? { lost } : {}) };
}

/** Reports the command's outcome to the run; true when the task was completed. */
async function report(opts: AgentRunnerOptions, claim: ClaimResult, outcome: CommandOutcome): Promise<boolean> {
  const ids = { runId: claim.runId, stepId: claim.stepId, attempt: claim.attempt };
  const claimant = opts.claimant ? { claimant: opts.claimant } : {};
  if (outcome.lost && outcome.lost !== 'the agent was stopped') {
    opts.emit({ event: 'lost', ...ids, reason: outcome.lost });
    return false;
  }
  if (outcome.exitCode === 0 && !outcome.lost) {
    await opts.api.complete(claim.runId, claim.stepId, { attempt: claim.attempt, ...claimant, metrics: outcome.metrics, ...(outcome.summary ? { summary: outcome.summary } : {}) });
    opts.emit({ event: 'completed', ...ids, metrics: outcome.metrics, ...(outcome.summary ? { summary: outcome.summary } : {}) });
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
  await opts.api.fail(claim.runId, claim.stepId, { attempt: claim.attempt, ...claimant, reason: reason.slice(0, 10_000), retryable: true });
  opts.emit({ event: 'failed', ...ids, reason });
  return false;
}

/** Claims the first task that is still free (or already ours); undefined when none could be claimed. */
async function claimOne(opts: AgentRunnerOptions, tasks: AgentTask[]): Promise<ClaimResult | undefined> {
  for (const task of tasks) {
    if (task.claimedBy && task.claimedBy !== opts.claimant) continue;
    try {
      const claim = await opts.api.claim(task.runId, task.stepId, opts.claimant);
      opts.emit({ event: 'claimed', runId: claim.runId, stepId: claim.stepId, attempt: claim.attempt, claimedBy: claim.claimedBy });
      return claim;
    } catch (err) {
      if (!isTaken(err)) throw err;
      opts.emit({ event: 'skipped', runId: task.runId, stepId: task.stepId, reason: (err as Error).message });
    }
  }
  return undefined;
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
  while (!opts.signal?.aborted) {
    let claim: ClaimResult | undefined;
    try {
      claim = await claimOne(opts, await opts.api.agentTasks(opts.agent));
    } catch (err) {
      if (isFatal(err)) {
        opts.emit({ event: 'error', message: (err as Error).message });
        return (err as ApiRequestError).exitCode;
      }
      opts.emit({ event: 'error', message: `${(err as Error).message} (retrying)` });
    }
    if (!claim) {
      const waitedMs = Date.now() - idleSince;
      if (opts.idleTimeoutMs !== undefined && waitedMs >= opts.idleTimeoutMs) {
        opts.emit({ event: 'idle', agent: opts.agent, waitedMs });
        return ExitCode.NOT_FOUND;
      }
      if (!announcedWait) opts.emit({ event: 'waiting', agent: opts.agent });
      announcedWait = true;
      await sleep(opts.pollMs, opts.signal);
      continue;
    }
    announcedWait = false;
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
