/**
 * What each MCP tool tells an AI agent: when to use it and what to send. Kept apart from the
 * handlers so the wording can be reviewed in one place; the names are SPEC §9's, exactly.
 */

/** Title and description of one tool. */
export interface ToolText {
  title: string;
  description: string;
}

/** The tool names of SPEC §9. */
export type ToolName =
  | 'list_plans'
  | 'validate_plan'
  | 'start_run'
  | 'get_run'
  | 'list_runs'
  | 'next_task'
  | 'heartbeat_task'
  | 'complete_task'
  | 'fail_task'
  | 'pending_decisions'
  | 'decide'
  | 'cancel_run'
  | 'get_report';

/** Every tool's text. */
export const TOOL_TEXT: Record<ToolName, ToolText> = {
  list_plans: {
    title: 'List bundled plans',
    description:
      'List the phase plans bundled on this Phasegate server (id, title, steps with their agents and needs). Use it to find a plan id for start_run.',
  },
  validate_plan: {
    title: 'Validate a plan',
    description:
      'Check a phase plan before starting it. Send exactly one of `plan` (the plan as a JSON object) or `yaml` (the plan file text, YAML or JSON). ' +
      'Answers {ok: true, plan} with the parsed plan, or {ok: false, errors: [{path, message}]} naming every problem (e.g. steps[1].needs[0]).',
  },
  start_run: {
    title: 'Start a run',
    description:
      'Start a run of a plan: `plan` is a bundled plan id (see list_plans) or a whole plan object; `runId` is optional. Answers {runId, uiUrl}. ' +
      'Needs the operator role when the server uses tokens (an inline plan object may need the author role).',
  },
  get_run: {
    title: 'Get a run',
    description:
      "A run's whole status: state, outcome, every step (state, attempts, metrics, error), every gate (checks with actual values, votes, quorum), compensations, escalations. " +
      'Use it to see where a run stands or whether it succeeded.',
  },
  list_runs: {
    title: 'List runs',
    description:
      'List runs, newest first, optionally only those in a `state`, of a `plan`, or (not) `awaitingApproval`. Pass `nextPageToken` from the answer for the next page.',
  },
  next_task: {
    title: 'Take the next task',
    description:
      'Ask for the next open task of your agent name (the `agent:` of the plan step; with tokens, one your token may act for) and lease it. ' +
      'Answers a lease {leaseId, runId, stepId, attempt, title, instructions, inputs, heartbeatTimeout, expiresAt, …}, or {task: null} when there is none. ' +
      'Send `wait` (e.g. "30s") to wait for one instead of asking again and again: the API allows up to 60s, but many MCP clients give up on a call after 60s, so 30s is safer. `runId` takes only tasks of one run. ' +
      'Then do the work described by `title`/`instructions` (using `inputs`, the results of the steps it needs), calling heartbeat_task meanwhile, and finish with complete_task or fail_task quoting the same runId, stepId and leaseId. ' +
      'Several sessions may use the same agent name: each lease goes to one of them only.',
  },
  heartbeat_task: {
    title: 'Heartbeat a task',
    description:
      'Tell Phasegate you are still working on a leased task: send runId, stepId and leaseId from next_task (and `progress`, a short note, if you like). ' +
      "Heartbeat at about a third of the lease's heartbeatTimeout (e.g. every 10s for 30s); a lease that misses its heartbeat timeout is released and the attempt fails. " +
      'A refusal (409) means the lease is no longer yours: stop working on it.',
  },
  complete_task: {
    title: 'Complete a task',
    description:
      'Report a leased task done: runId, stepId and leaseId from next_task, `metrics` (name → number, string or boolean) and a short `summary` of what you did. ' +
      "Include every metric the task declares (the plan's gates check them; a completion missing a declared metric is refused, naming it). Answers the step's new state.",
  },
  fail_task: {
    title: 'Fail a task',
    description:
      "Report that you could not do a leased task: runId, stepId, leaseId and a `reason`. The attempt fails and is retried per the plan's retry policy; send `retryable: false` when retrying cannot help. " +
      "Answers the step's new state.",
  },
  pending_decisions: {
    title: 'Gates awaiting a decision',
    description:
      'List the gates that are waiting for a go/no-go decision, across running runs, with their checks (metric, op, value, actual, passed), votes so far, quorum and approvers. ' +
      'Send `approver` to see only the gates that approver is listed on and has not voted on yet.',
  },
  decide: {
    title: 'Vote go or no-go',
    description:
      'Vote on a gate that awaits a decision: runId, gate (the gate step id), decision "go" or "no-go", and an optional comment. ' +
      'Look at its checks first (pending_decisions or get_run). Needs the approver role; with tokens your vote is cast as your token identity (do not send `approver`), ' +
      "without tokens send `approver`. Answers the gate's new state, so you learn at once whether the vote counted.",
  },
  cancel_run: {
    title: 'Cancel a run',
    description:
      'Cancel a running run: its completed tasks are rolled back and its outcome becomes cancelled. Needs the operator role. Answers {runId, cancelRequested: true}.',
  },
  get_report: {
    title: 'Get the completion report',
    description:
      "The run's completion report in markdown, built from its audit trail (steps, metrics, checks, decisions, compensations), ending with a receipt. Use it to summarise a run for people.",
  },
};
