/** `start_run`, `get_run`, `list_runs`, `cancel_run`, `get_report`. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RunStatus } from '../../../workflows/status';
import type { CancelResponse, RunList, StartRunResponse } from '../../api/schemas';
import { BackendError, type PhasegateBackend } from '../backend';
import { TOOL_TEXT } from '../descriptions';
import { documentResult, guarded, toolResult } from '../results';
import { ListRunsInputSchema, RunInputSchema, StartRunInputSchema, type ListRunsInput } from '../schemas';

/** One line saying where a run stands: state, outcome, each step and gate. */
export function runSummary(s: RunStatus): string {
  const steps = s.steps.map((x) => `${x.id}=${x.state}`).join(', ');
  const gates = s.gates.map((g) => `${g.id}=${g.state}`).join(', ');
  return `run ${s.runId} (${s.plan}): ${s.state}${s.outcome ? `, outcome ${s.outcome}` : ''}; steps: ${steps || 'none'}${gates ? `; gates: ${gates}` : ''}`;
}

/** The query strings of `GET /api/runs` for the tool's typed filters. */
export function listRunsQuery(args: ListRunsInput): Record<string, string> {
  const query: Record<string, string> = {};
  if (args.state) query.state = args.state;
  if (args.plan) query.plan = args.plan;
  if (args.awaitingApproval !== undefined) query.awaitingApproval = String(args.awaitingApproval);
  if (args.pageSize !== undefined) query.pageSize = String(args.pageSize);
  if (args.nextPageToken) query.nextPageToken = args.nextPageToken;
  return query;
}

/** Fetches a run's markdown report; a server without the report route answers a tool error saying so. */
export async function fetchReport(backend: PhasegateBackend, runId: string): Promise<string> {
  const { body } = await backend.call('report', { params: { runId } });
  if (typeof body === 'string') return body;
  throw new BackendError(501, 'this server did not answer a markdown report (GET /api/runs/:runId/report)');
}

/** Registers the run tools. */
export function registerRunTools(server: McpServer, backend: PhasegateBackend): void {
  server.registerTool('start_run', { ...TOOL_TEXT.start_run, inputSchema: StartRunInputSchema }, (args) =>
    guarded(async () => {
      const started = (await backend.call('startRun', { body: args })).body as StartRunResponse;
      return toolResult(started, `started run ${started.runId}`);
    }),
  );

  server.registerTool(
    'get_run',
    { ...TOOL_TEXT.get_run, inputSchema: RunInputSchema, annotations: { readOnlyHint: true } },
    (args) =>
      guarded(async () => {
        const status = (await backend.call('getRun', { params: { runId: args.runId } })).body as RunStatus;
        return toolResult(status as unknown as Record<string, unknown>, runSummary(status));
      }),
  );

  server.registerTool(
    'list_runs',
    { ...TOOL_TEXT.list_runs, inputSchema: ListRunsInputSchema, annotations: { readOnlyHint: true } },
    (args) =>
      guarded(async () => {
        const page = (await backend.call('listRuns', { query: listRunsQuery(args) })).body as RunList;
        const lines = page.runs.map((r) => `- ${r.runId}: ${r.state ?? r.status.toLowerCase()}`);
        return toolResult(
          page,
          [`${page.runs.length} run(s)${page.nextPageToken ? ' (more: pass nextPageToken)' : ''}`, ...lines].join('\n'),
        );
      }),
  );

  server.registerTool(
    'cancel_run',
    { ...TOOL_TEXT.cancel_run, inputSchema: RunInputSchema, annotations: { destructiveHint: true } },
    (args) =>
      guarded(async () => {
        const accepted = (await backend.call('cancelRun', { params: { runId: args.runId } })).body as CancelResponse;
        return toolResult(accepted, `cancellation of ${args.runId} requested: it rolls back, then ends cancelled`);
      }),
  );

  server.registerTool(
    'get_report',
    { ...TOOL_TEXT.get_report, inputSchema: RunInputSchema, annotations: { readOnlyHint: true } },
    (args) =>
      guarded(async () => {
        const markdown = await fetchReport(backend, args.runId);
        return documentResult({ runId: args.runId, markdown }, markdown);
      }),
  );
}
