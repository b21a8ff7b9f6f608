/**
 * MCP clients for tests: the SDK's own `Client` over Streamable HTTP (`POST /mcp`) and over stdio
 * (spawning `phase mcp`), plus the MCP Inspector CLI, and helpers that call a tool and insist on
 * success or on a tool error.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** The repository root. */
export const ROOT = join(__dirname, '..', '..');
/** `phase` as a command line: node with tsx on the CLI entry point. */
export const PHASE_ARGV = ['--import', 'tsx', join(ROOT, 'client', 'cli', 'main.ts')];

/** An SDK client connected to `POST <base>/mcp`, with a bearer token if given. */
export async function httpClient(base: string, token?: string): Promise<Client> {
  const client = new Client({ name: 'phasegate-test-http', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(
    new URL(`${base}/mcp`),
    token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {},
  );
  await client.connect(transport);
  return client;
}

/** An SDK client talking to a spawned `phase mcp` (stdio) that uses the API at `base`. */
export async function stdioClient(base: string, token?: string): Promise<Client> {
  const client = new Client({ name: 'phasegate-test-stdio', version: '1.0.0' });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...PHASE_ARGV, 'mcp'],
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PHASEGATE_URL: base, ...(token ? { PHASEGATE_TOKEN: token } : {}) },
    stderr: 'ignore',
  });
  await client.connect(transport);
  return client;
}

/** Calls a tool and returns the raw result. */
export async function callTool(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** The text of a result's first content block. */
export function textOf(result: CallToolResult): string {
  const first = result.content[0];
  return first && first.type === 'text' ? first.text : '';
}

/** Calls a tool that must succeed; returns its structured content. */
export async function ok<T = Record<string, unknown>>(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<T> {
  const result = await callTool(client, name, args);
  assert.notEqual(result.isError, true, `${name} failed: ${textOf(result)}`);
  assert.ok(result.structuredContent, `${name} has structured content`);
  return result.structuredContent as T;
}

/** Calls a tool that must answer a tool error; returns its text. */
export async function toolError(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const result = await callTool(client, name, args);
  assert.equal(result.isError, true, `${name} should fail, answered ${textOf(result)}`);
  const text = textOf(result);
  assert.doesNotMatch(text, /\n\s+at .*\(.*:\d+:\d+\)/, 'no stack trace in a tool error');
  return text;
}

/** Polls a condition with a tool until it holds; returns the last structured answer. */
export async function untilTool<T>(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  predicate: (v: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await ok<T>(client, name, args);
    if (predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting on ${name}; last: ${JSON.stringify(last).slice(0, 2000)}`);
}

/**
 * Runs the published MCP Inspector CLI (`mcp-inspector-cli --cli …`) and resolves with its stdout.
 * Its working directory is `test/`: inspector-cli 1.0.3 looks for its own package.json at
 * `../package.json` relative to the working directory, so from the repository root it fails.
 */
export function inspector(args: readonly string[], env: Record<string, string> = {}): Promise<string> {
  const bin = join(ROOT, 'node_modules', '.bin', 'mcp-inspector-cli');
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      ['--cli', ...args],
      { cwd: join(ROOT, 'test'), env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 4 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`inspector failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}
