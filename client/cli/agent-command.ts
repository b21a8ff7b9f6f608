/**
 * Running the agent's command for one leased task: the lease as JSON on stdin, `::metric` lines and
 * the last output line read from stdout, heartbeats that keep the lease while it runs, and the
 * command's whole process group killed when the lease is lost or the agent is stopped.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { parseMetricLine } from '../../activities/metrics';
import { terminateProcessGroup, trackProcessGroup } from '../../activities/process-group';
import type { MetricValue } from '../../workflows/status';
import type { Lease as ClaimResult } from '../api/schemas';
import type { AgentRunnerOptions, AgentTaskInput } from './agent-types';
import { ApiRequestError } from './api-client';

/** Why the command was killed when the agent itself was stopped (Ctrl-C): not a lost lease. */
export const STOPPED_REASON = 'the agent was stopped';

/** What the command printed that the runner reports: metrics, last stdout line, last stderr line. */
interface CommandOutput {
  metrics: Record<string, MetricValue>;
  summary: string | undefined;
  stderrTail: string | undefined;
}

/** How one command run ended. */
export interface CommandOutcome extends CommandOutput {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the command could not be started (the OS's message). */
  spawnError?: string;
  /** Set when we killed it: the lease was lost ({@link STOPPED_REASON} when the agent was stopped). */
  lost?: string;
}

type TaskChild = ChildProcessByStdio<Writable, Readable, Readable>;

/** Errors that mean "the lease is gone / the task is gone" (409, 404). */
export function isTaken(err: unknown): boolean {
  return err instanceof ApiRequestError && (err.status === 409 || err.status === 404);
}

/**
 * Runs the command for one claimed task and resolves when it has ended, heartbeating meanwhile.
 * Never rejects: a command that cannot start is reported in `spawnError`.
 */
export async function runCommand(opts: AgentRunnerOptions, claim: ClaimResult): Promise<CommandOutcome> {
  const output: CommandOutput = { metrics: {}, summary: undefined, stderrTail: undefined };
  const child = spawnCommand(opts.command, claim);
  const spawned = new Promise<string | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', (err) => resolve(err.message));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );

  const spawnError = await spawned;
  if (spawnError) return { exitCode: null, signal: null, ...output, spawnError };
  const untrack = child.pid ? trackProcessGroup(child.pid) : () => true;

  // The task goes in on stdin; a command that never reads it must not crash us with EPIPE.
  child.stdin.on('error', () => {});
  const input: AgentTaskInput = { ...claim, runId: claim.runId, stepId: claim.stepId };
  child.stdin.end(`${JSON.stringify(input)}\n`);
  readOutput(child, output, opts.echo);
  const lease = new LeaseKeeper(opts, claim, child, output);

  const { code, signal } = await exited;
  lease.stop();
  untrack();
  return { exitCode: code, signal, ...output, ...(lease.lost ? { lost: lease.lost } : {}) };
}

/** Starts the command (argv, no shell) with the task's ids in its environment. */
function spawnCommand(command: string[], claim: ClaimResult): TaskChild {
  const [program, ...args] = command as [string, ...string[]];
  return spawn(program, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true, // its own process group, so a lost claim or Ctrl-C stops everything it started
    env: {
      ...process.env,
      PHASEGATE_RUN_ID: claim.runId,
      PHASEGATE_STEP_ID: claim.stepId,
      PHASEGATE_ATTEMPT: String(claim.attempt),
    },
  });
}

/**
 * Reads the command's output into `output` as it comes: `::metric` lines of stdout become metrics,
 * any other non-empty one the summary (echoed either way); stderr passes through to ours and its
 * last non-empty line is kept.
 */
function readOutput(child: TaskChild, output: CommandOutput, echo: (line: string) => void): void {
  createInterface({ input: child.stdout }).on('line', (line) => {
    const metric = parseMetricLine(line);
    if (metric) output.metrics[metric[0]] = metric[1];
    else if (line.trim() !== '') output.summary = line.trim().slice(0, 10_000);
    echo(line);
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    process.stderr.write(`${line}\n`);
    if (line.trim() !== '') output.stderrTail = line.trim().slice(0, 2000);
  });
}

/**
 * Holds the lease while the command runs: heartbeats (with the summary so far as progress) and
 * kills the process group, once, when the API refuses a heartbeat or the agent is stopped.
 */
class LeaseKeeper {
  /** Why the command was killed, once it was. */
  lost: string | undefined;
  private readonly beat: NodeJS.Timeout;
  private readonly onAbort = () => this.kill(STOPPED_REASON);

  constructor(
    private readonly opts: AgentRunnerOptions,
    private readonly claim: ClaimResult,
    private readonly child: TaskChild,
    private readonly output: CommandOutput,
  ) {
    opts.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.beat = setInterval(() => this.heartbeat(), heartbeatEvery(opts.heartbeatMs, claim.heartbeatTimeout));
  }

  /** The command ended: no more heartbeats. */
  stop(): void {
    clearInterval(this.beat);
    this.opts.signal?.removeEventListener('abort', this.onAbort);
  }

  private heartbeat(): void {
    const { claim, output } = this;
    this.opts.api
      .heartbeat(claim.runId, claim.stepId, {
        leaseId: claim.leaseId,
        attempt: claim.attempt,
        ...(output.summary ? { progress: output.summary.slice(0, 2000) } : {}),
      })
      .catch((err: unknown) => {
        if (isTaken(err)) this.kill(`heartbeat refused: ${(err as Error).message}`);
        // Other errors (API briefly down) are retried at the next beat; the heartbeat timeout decides.
      });
  }

  private kill(reason: string): void {
    if (this.lost) return;
    this.lost = reason;
    if (this.child.pid) void terminateProcessGroup(this.child.pid);
  }
}

/** Heartbeat interval: the option, but at most a third of the lease's heartbeat timeout (and at least 100 ms). */
function heartbeatEvery(optionMs: number, timeout: string | undefined): number {
  const m = timeout ? /^([0-9]+)(ms|s)$/.exec(timeout) : null;
  if (!m) return optionMs;
  const timeoutMs = Number(m[1]) * (m[2] === 's' ? 1000 : 1);
  return Math.max(100, Math.min(optionMs, Math.floor(timeoutMs / 3)));
}
