/**
 * `POST /mcp`: MCP over Streamable HTTP on the API process, stateless. Each request gets a fresh
 * server and transport (no session id, JSON responses rather than an SSE stream), so any API
 * replica can answer any call and nothing is kept between calls. The bearer token was checked by
 * the same `authenticate` middleware as `/api` (a bad one is the transport's 401); its principal
 * runs the API's routes in-process (see `app-backend.ts`).
 */
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { Router, type Request, type Response } from 'express';
import { principalOf } from '../api/auth';
import type { AppDeps } from '../api/deps';
import { AppBackend } from './app-backend';
import { createMcpServer } from './server';

/** A JSON-RPC error answer sent without a transport (no id: it answers no particular request). */
function rpcError(res: Response, status: number, code: number, message: string): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null });
}

async function handlePost(deps: AppDeps, req: Request, res: Response): Promise<void> {
  const server = createMcpServer(new AppBackend(deps, principalOf(req), req, res));
  const transport = new StreamableHTTPServerTransport({
    enableJsonResponse: true,
  }); /* stateless: no sessionIdGenerator */
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  try {
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  } catch (err) {
    deps.logger.error({ err }, 'MCP request failed');
    if (!res.headersSent) rpcError(res, 500, -32603, 'internal error');
  }
}

/** The `/mcp` routes: POST carries MCP messages; GET (no server-sent stream) and DELETE (no session) are 405. */
export function mcpRouter(deps: AppDeps): Router {
  const router = Router();
  router.post('/mcp', (req, res) => handlePost(deps, req, res));
  const notAllowed = (_req: Request, res: Response) => {
    res.set('Allow', 'POST');
    rpcError(res, 405, -32000, 'method not allowed: this MCP endpoint is stateless, send JSON-RPC messages with POST');
  };
  router.get('/mcp', notAllowed);
  router.delete('/mcp', notAllowed);
  return router;
}
