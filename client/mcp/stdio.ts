/**
 * `phase mcp`: the MCP server on stdin/stdout, acting through the HTTP API. stdout carries MCP
 * messages only; anything for people goes to stderr.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { HttpBackend } from './http-backend';
import { createMcpServer } from './server';

/** Options of {@link runStdioServer}. */
export interface StdioOptions {
  /** The Phasegate API base URL (`PHASEGATE_URL`). */
  url: string;
  /** Bearer token (`PHASEGATE_TOKEN`), if the API uses tokens. */
  token?: string;
  /** Where to write notes for people (default: stderr). */
  log?: (line: string) => void;
}

/** Serves MCP on the process's stdin/stdout until stdin ends or the client closes; resolves then. */
export async function runStdioServer(opts: StdioOptions): Promise<void> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const server = createMcpServer(new HttpBackend(opts.url, opts.token));
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    // The transport does not notice end of input itself: a client that exits must end the server.
    process.stdin.once('end', () => void server.close().finally(resolve));
  });
  await server.connect(transport);
  log(`phasegate MCP server on stdio, using the API at ${opts.url}${opts.token ? ' with a token' : ''}`);
  await closed;
}
