/**
 * The agent runner's public types: its options, the events it reports, and the JSON its command
 * reads on stdin (re-exported by `agent-runner.ts`).
 */
import type { MetricValue } from '../../workflows/status';
import type { Lease as ClaimResult } from '../api/schemas';
import type { PhasegateApi } from './api-client';

/** Options of `runAgent`. */
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
