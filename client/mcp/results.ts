/**
 * How tool answers look: `structuredContent` (the JSON the API answered) plus a text block with a
 * one-line summary and the same JSON (clients that ignore structured content still see it), and
 * tool errors (`isError: true`) whose text is the API's message and the field of each problem.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { BackendError } from './backend';

/** A successful tool answer. */
export function toolResult(structured: Record<string, unknown>, summary: string): CallToolResult {
  return {
    structuredContent: structured,
    content: [{ type: 'text', text: `${summary}\n${JSON.stringify(structured)}` }],
  };
}

/** A successful tool answer whose text is a document (the markdown report), not JSON. */
export function documentResult(structured: Record<string, unknown>, text: string): CallToolResult {
  return { structuredContent: structured, content: [{ type: 'text', text }] };
}

const STATUS_HINT: Record<number, string> = {
  0: 'the Phasegate API is unreachable',
  400: 'invalid input',
  401: 'not authenticated',
  403: 'forbidden',
  404: 'not found',
  409: 'conflict',
  413: 'too large',
  429: 'too many requests: retry later',
  501: 'not available on this server',
  503: 'no worker answered in time: retry later',
};

/**
 * A tool error for anything a tool call threw: a {@link BackendError} keeps the API's message and
 * per-field details; anything else is a bug and becomes a generic message (never a stack trace).
 */
export function toolError(err: unknown): CallToolResult {
  if (!(err instanceof BackendError)) {
    return {
      isError: true,
      content: [{ type: 'text', text: 'internal error: the MCP server failed to handle this call' }],
    };
  }
  const hint = STATUS_HINT[err.status] ?? (err.status >= 500 ? 'server error' : 'refused');
  const lines = [
    `${err.message} (${err.status === 0 ? hint : `HTTP ${err.status}: ${hint}`})`,
    ...err.details.map((d) => `- ${d.path || '(input)'}: ${d.message}`),
  ];
  const structured = {
    ...err.extra,
    error: err.message,
    status: err.status,
    ...(err.details.length ? { details: err.details } : {}),
  };
  return { isError: true, structuredContent: structured, content: [{ type: 'text', text: lines.join('\n') }] };
}

/** Runs a tool body, turning what it throws into a tool error. */
export async function guarded(body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (err) {
    return toolError(err);
  }
}

/** The fields of `args` that are not `keys`, for splitting tool input into path params and a body. */
export function without<T extends object, K extends keyof T>(args: T, keys: readonly K[]): Omit<T, K> {
  const out = { ...args };
  for (const k of keys) delete out[k];
  return out;
}
