/**
 * The Phasegate MCP server (SPEC §9): every tool and resource, acting through one backend. The
 * stdio command and the `POST /mcp` route build it the same way, each with its own backend.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { PhasegateBackend } from './backend';
import { registerResources } from './resources';
import { registerAgentTools } from './tools/agents';
import { registerDecisionTools } from './tools/decisions';
import { registerPlanTools } from './tools/plans';
import { registerRunTools } from './tools/runs';

/** The name and version MCP clients see. */
export const SERVER_INFO = { name: 'phasegate', version: '0.1.0' } as const;

const INSTRUCTIONS =
  'Phasegate runs project phases: tasks done by agents, gated by quality checks and go/no-go decisions. ' +
  'As an agent: next_task (your agent name) gives you a lease; do the task, heartbeat_task meanwhile, then complete_task with every declared metric, or fail_task. ' +
  'As an approver: pending_decisions, then decide. get_run and get_report show where a run stands.';

/** Builds a server with all tools and resources on `backend`. */
export function createMcpServer(backend: PhasegateBackend): McpServer {
  const server = new McpServer(SERVER_INFO, { capabilities: { tools: {}, resources: {} }, instructions: INSTRUCTIONS });
  registerPlanTools(server, backend);
  registerRunTools(server, backend);
  registerAgentTools(server, backend);
  registerDecisionTools(server, backend);
  registerResources(server, backend);
  return server;
}
