/**
 * Resources (SPEC §9): `phasegate://runs/{runId}` is a run's status JSON, and
 * `phasegate://runs/{runId}/report` its markdown report. Listing offers the newest runs.
 */
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import type { RunList } from '../api/schemas';
import { BackendError, type PhasegateBackend } from './backend';
import { RunInputSchema } from './schemas';
import { fetchReport } from './tools/runs';

/** How many recent runs a resource listing names. */
const LISTED_RUNS = 20;

/** The run id of a resource URI, checked like the API's path ids; a read of a bad id fails naming it. */
function runIdOf(value: string | string[] | undefined): string {
  const parsed = RunInputSchema.safeParse({ runId: Array.isArray(value) ? value[0] : value });
  if (!parsed.success)
    throw new BackendError(400, `invalid runId in the resource URI: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data.runId;
}

/** A resource read error without internals: the API's message (and status). */
async function readOrExplain(read: () => Promise<ReadResourceResult>): Promise<ReadResourceResult> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof BackendError) throw new Error(`${err.message} (HTTP ${err.status})`);
    throw new Error('internal error: the MCP server failed to read this resource');
  }
}

/** Registers both resource templates. */
export function registerResources(server: McpServer, backend: PhasegateBackend): void {
  const recent = (suffix: string, mimeType: string) => async () => {
    const page = (await backend.call('listRuns', { query: { pageSize: String(LISTED_RUNS) } })).body as RunList;
    return {
      resources: page.runs.map((r) => ({
        uri: `phasegate://runs/${r.runId}${suffix}`,
        name: `${r.runId}${suffix}`,
        mimeType,
      })),
    };
  };

  server.registerResource(
    'run-status',
    new ResourceTemplate('phasegate://runs/{runId}', { list: recent('', 'application/json') }),
    {
      title: 'Run status',
      description: "A run's whole status (the same JSON as get_run).",
      mimeType: 'application/json',
    },
    (uri, vars) =>
      readOrExplain(async () => {
        const runId = runIdOf(vars.runId);
        const { body } = await backend.call('getRun', { params: { runId } });
        return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(body, null, 2) }] };
      }),
  );

  server.registerResource(
    'run-report',
    new ResourceTemplate('phasegate://runs/{runId}/report', { list: recent('/report', 'text/markdown') }),
    {
      title: 'Run report',
      description: "A run's completion report in markdown (the same as get_report).",
      mimeType: 'text/markdown',
    },
    (uri, vars) =>
      readOrExplain(async () => {
        const markdown = await fetchReport(backend, runIdOf(vars.runId));
        return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text: markdown }] };
      }),
  );
}
