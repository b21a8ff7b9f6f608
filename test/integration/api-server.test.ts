/**
 * The API process (client/api/server.ts) as it is run: configuration is validated at boot (exit 2
 * with a clear message), a non-loopback HOST without tokens is refused, auth-off is announced
 * loudly, and SIGTERM lets an in-flight request finish before the process exits 0.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { env, useTemporal } from '../helpers/fixture';

const ROOT = resolve(__dirname, '..', '..');
const SERVER = join(ROOT, 'client', 'api', 'server.ts');

// The server only: the API processes here start no runs, so no worker is needed.
useTemporal({ worker: false });

/** Starts the API process with `vars` on top of a clean environment. */
function startServer(vars: Record<string, string>): {
  child: ChildProcessWithoutNullStreams;
  output: () => { stdout: string; stderr: string };
  exited: Promise<number | null>;
} {
  const base: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: env.address,
    PORT: '0',
    LOG_LEVEL: 'info',
  };
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], { cwd: ROOT, env: { ...base, ...vars } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, output: () => ({ stdout, stderr }), exited };
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out');
}

describe('API server process', () => {
  it('refuses a public HOST without tokens (exit 2)', async () => {
    const s = startServer({ HOST: '0.0.0.0' });
    assert.equal(await s.exited, 2);
    assert.match(s.output().stderr, /Refusing to start: HOST=0\.0\.0\.0 .* no tokens are configured/);
  });

  it('exits 2 naming a bad variable, without echoing a token', async () => {
    const badPort = startServer({ PORT: 'eighty' });
    assert.equal(await badPort.exited, 2);
    assert.match(badPort.output().stderr, /PORT/);
    const badTokens = startServer({ PHASEGATE_TOKENS: 'hunter2-secret=alice:superuser' });
    assert.equal(await badTokens.exited, 2);
    assert.match(badTokens.output().stderr, /PHASEGATE_TOKENS: entry #1/);
    assert.doesNotMatch(badTokens.output().stderr, /hunter2-secret/);
    const badSize = startServer({ PHASEGATE_MAX_BODY: 'huge' });
    assert.equal(await badSize.exited, 2);
    assert.match(badSize.output().stderr, /invalid size "huge"/);
  });

  it('warns loudly when auth is off, serves, and drains in-flight requests on SIGTERM', async () => {
    const s = startServer({ HOST: '127.0.0.1' });
    try {
      const url = await waitFor(() => /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(s.output().stdout)?.[1]);
      assert.match(s.output().stderr, /AUTH IS OFF/);
      const health = await fetch(`${url}/healthz`);
      assert.equal(health.status, 200);

      // Start a request, send half its body, SIGTERM the server, then finish the body.
      const { port } = new URL(url);
      const response = new Promise<{ status: number; body: string }>((resolveResponse, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: Number(port),
            method: 'POST',
            path: '/api/plans/validate',
            headers: { 'content-type': 'application/json' },
          },
          (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolveResponse({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.write('{"id": "drain-me", "steps": [{"id": "a", ');
        setTimeout(() => {
          s.child.kill('SIGTERM');
          setTimeout(() => req.end('"run": {"kind": "simulate"}}]}'), 300);
        }, 200);
      });
      const answered = await response;
      assert.equal(answered.status, 200, answered.body);
      assert.match(answered.body, /"ok":true/);
      assert.equal(await s.exited, 0);
      assert.match(s.output().stdout, /shutting down/);
      assert.match(s.output().stdout, /"msg":"stopped"/);
      const lines = s
        .output()
        .stdout.split('\n')
        .filter((l) => l.includes('"msg":"request"'));
      const validateLine = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.path === '/api/plans/validate');
      assert.deepEqual(
        validateLine && {
          method: validateLine.method,
          status: validateLine.status,
          hasMs: typeof validateLine.ms === 'number',
        },
        { method: 'POST', status: 200, hasMs: true },
      );
    } finally {
      s.child.kill('SIGKILL');
    }
  });
});
