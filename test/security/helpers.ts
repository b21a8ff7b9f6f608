/**
 * Shared pieces of the security suite: raw HTTP requests (any `Host`, `Origin` or content type, which
 * `fetch` will not send), the real app on an ephemeral port with chosen settings, and small plans.
 */
import { request } from 'node:http';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { createApp, type AppOptions } from '../../client/api/app';
import { listenOnLoopback, type LoopbackServer } from '../helpers/http';

/** The answer of a raw request. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The JSON body, when it is JSON. */
  json: unknown;
  /** Milliseconds from sending to the end of the answer. */
  ms: number;
}

/** Sends exactly the request given (headers as they are, `Host` included) to the server at `base`. */
export function raw(
  base: string,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  const url = new URL(base);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: {
          ...(opts.body !== undefined ? { 'content-length': String(Buffer.byteLength(opts.body)) } : {}),
          ...opts.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, ms: Date.now() - started });
        });
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** A JSON request as the CLI sends it (`content-type: application/json`), optionally with a token. */
export function json(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return raw(base, method, path, {
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

/** Serves the real app for the test environment with the given settings. */
export async function serveApi(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  opts: Partial<AppOptions> = {},
): Promise<LoopbackServer> {
  return listenOnLoopback(createApp({ client: env.client, taskQueue, logger: pino({ level: 'silent' }), ...opts }));
}

/** A one-task plan running `run` (a shell, http or simulate executor), failing for good on the first error. */
export function oneTask(
  id: string,
  run: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { id, steps: [{ id: 'task', run, retry: { maximumAttempts: 1 }, ...extra }] };
}

/** A plan whose only task fails and is held for an operator (retry / skip / abort). */
export function heldPlan(id: string): Record<string, unknown> {
  return {
    id,
    steps: [
      { id: 'tests', run: { kind: 'simulate', failAttempts: 100 }, retry: { maximumAttempts: 1 }, onFailure: 'hold' },
      { id: 'after', needs: ['tests'], run: { kind: 'simulate' } },
    ],
  };
}
