/** `pending_decisions` (composed from the run list and each run's status) and `decide`. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { GateStatus, RunStatus } from '../../../workflows/status';
import type { RunList } from '../../api/schemas';
import { BackendError, type PhasegateBackend } from '../backend';
import { TOOL_TEXT } from '../descriptions';
import { guarded, toolResult, without } from '../results';
import { DecideInputSchema, PendingDecisionsInputSchema } from '../schemas';

/** One gate awaiting a decision, with what an approver needs to judge it. */
export interface PendingDecision {
  runId: string;
  plan: string;
  runTitle: string;
  gate: string;
  title: string | null;
  checks: GateStatus['checks'];
  votes: GateStatus['votes'];
  quorum: number;
  approvers: string[];
  awaitingSince: string | null;
  deadline: string | null;
}

/** How many runs awaiting approval are looked at (newest first). */
const MAX_RUNS = 100;

/**
 * True when `approver` may still vote on `gate` as far as the outside can tell: listed, or a
 * member of a listed group (as the run resolved it at its start; a run from before groups were
 * resolved counts every group as possibly theirs). Separation of duties is checked by the run.
 */
function openFor(gate: GateStatus, approver: string): boolean {
  const inGroup = (a: string) =>
    a.startsWith('group:') &&
    (gate.approverGroups ? (gate.approverGroups[a.slice('group:'.length)] ?? []).includes(approver) : true);
  const listed = gate.approvers.includes(approver) || gate.approvers.some(inGroup);
  return listed && !gate.votes.some((v) => v.approver === approver);
}

/** The gates of a run's status that await a decision (optionally only those open for `approver`). */
export function pendingGates(status: RunStatus, approver?: string): PendingDecision[] {
  return status.gates
    .filter((g) => g.state === 'awaiting-approval' && (approver === undefined || openFor(g, approver)))
    .map((g) => ({
      runId: status.runId,
      plan: status.plan,
      runTitle: status.title,
      gate: g.id,
      title: g.title ?? null,
      checks: g.checks,
      votes: g.votes,
      quorum: g.quorum,
      approvers: g.approvers,
      awaitingSince: g.startedAt,
      deadline: g.deadline ?? null,
    }));
}

async function statusOrNull(backend: PhasegateBackend, runId: string): Promise<RunStatus | null> {
  try {
    return (await backend.call('getRun', { params: { runId } })).body as RunStatus;
  } catch (err) {
    // Visibility lags behind: a run that just ended or does not answer now is left out.
    if (err instanceof BackendError && err.status !== 401 && err.status !== 403) return null;
    throw err;
  }
}

/** Every gate awaiting a decision across the runs that visibility lists as awaiting approval. */
export async function pendingDecisions(backend: PhasegateBackend, approver?: string): Promise<PendingDecision[]> {
  const page = (await backend.call('listRuns', { query: { awaitingApproval: 'true', pageSize: String(MAX_RUNS) } }))
    .body as RunList;
  const out: PendingDecision[] = [];
  for (let i = 0; i < page.runs.length; i += 8) {
    const statuses = await Promise.all(page.runs.slice(i, i + 8).map((r) => statusOrNull(backend, r.runId)));
    for (const s of statuses) if (s) out.push(...pendingGates(s, approver));
  }
  return out;
}

/** Registers the decision tools. */
export function registerDecisionTools(server: McpServer, backend: PhasegateBackend): void {
  server.registerTool(
    'pending_decisions',
    { ...TOOL_TEXT.pending_decisions, inputSchema: PendingDecisionsInputSchema, annotations: { readOnlyHint: true } },
    (args) =>
      guarded(async () => {
        const decisions = await pendingDecisions(backend, args.approver);
        const lines = decisions.map((d) => {
          const failed = d.checks.filter((c) => !c.passed).length;
          return `- ${d.runId} / ${d.gate}: ${d.votes.filter((v) => v.decision === 'go').length}/${d.quorum} go votes, checks ${failed ? `${failed} failed` : 'all passed'}`;
        });
        return toolResult({ decisions }, [`${decisions.length} gate(s) awaiting a decision`, ...lines].join('\n'));
      }),
  );

  server.registerTool('decide', { ...TOOL_TEXT.decide, inputSchema: DecideInputSchema }, (args) =>
    guarded(async () => {
      const gate = (await backend.call('decide', { params: { runId: args.runId }, body: without(args, ['runId']) }))
        .body as GateStatus;
      return toolResult(
        gate as unknown as Record<string, unknown>,
        `vote counted: gate ${gate.id} is ${gate.state} (${gate.votes.length} vote(s), quorum ${gate.quorum})`,
      );
    }),
  );
}
