/**
 * The `http` executor against a real local HTTP server: first the activity on its own
 * (MockActivityEnvironment), then http steps run end to end by the phase workflow on a real
 * Temporal dev server.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { httpTask } from '../../activities/http';
import type { TaskFailureDetails, TaskInput, TaskResult } from '../../activities/types';
import type { HttpExecutor, MetricRule, PhasePlan } from '../../workflows/plan/schema';
import { stepOf } from '../helpers/status';
import { startRun } from '../../client/runs';
import { waitForOutcome } from '../helpers/temporal';
import { env, useTemporal, worker } from '../helpers/fixture';

/** One request as the server saw it. */
interface Seen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}
type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen, n: number) => void;

let server: Server;
let base: string;
const seen: Seen[] = [];
const handlers = new Map<string, Handler>();
const closedRequests: string[] = [];

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const entry: Seen = {
        method: req.method ?? '',
        path,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(entry);
      res.on('close', () => {
        if (!res.writableFinished) closedRequests.push(path);
      });
      const handler = handlers.get(path);
      if (!handler) {
        res.writeHead(404).end('no handler');
        return;
      }
      handler(req, res, entry, seen.filter((s) => s.path === path).length);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  seen.length = 0;
  handlers.clear();
  closedRequests.length = 0;
});

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
function mockEnv(): MockActivityEnvironment {
  return new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
}
function input(
  executor: Omit<HttpExecutor, 'kind'>,
  extra: Partial<TaskInput> & { metricRules?: Record<string, MetricRule> } = {},
): TaskInput {
  return {
    runId: 'run-http-1',
    stepId: 'notify',
    attempt: 1,
    purpose: 'run',
    metricRules: {},
    ...extra,
    executor: { kind: 'http', ...executor },
  };
}
/** Runs the activity in `env`. */
function run(env: MockActivityEnvironment, task: TaskInput): Promise<TaskResult> {
  return env.run(httpTask, task) as Promise<TaskResult>;
}
async function failure(
  p: Promise<unknown>,
  type: string,
): Promise<ApplicationFailure & { details: [TaskFailureDetails] }> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
    assert.equal(err.type, type, err.message);
    return err as ApplicationFailure & { details: [TaskFailureDetails] };
  }
  assert.fail(`expected a ${type} failure`);
}

describe('httpTask (activity)', () => {
  it('500 then 200: the first attempt fails retryably, the second succeeds, both with the same Idempotency-Key', async () => {
    handlers.set('/flaky', (_req, res, _s, n) =>
      n === 1 ? res.writeHead(500).end('database unavailable\nretry later') : json(res, 200, { ok: true }),
    );
    const first = await failure(run(mockEnv(), input({ url: `${base}/flaky` })), 'HttpServerError');
    assert.equal(first.nonRetryable, false);
    assert.equal(first.details[0].httpStatus, 500);
    assert.equal(first.details[0].bodyTail, 'database unavailable\nretry later');
    assert.match(first.message, /^POST http:\/\/127\.0\.0\.1:\d+\/flaky answered 500: database unavailable$/);
    const second = await run(mockEnv(), input({ url: `${base}/flaky` }, { attempt: 2 }));
    assert.equal(second.httpStatus, 200);
    assert.equal(seen.length, 2);
    assert.equal(seen[0]?.headers['idempotency-key'], 'run-http-1/notify');
    assert.equal(seen[1]?.headers['idempotency-key'], 'run-http-1/notify');
  });

  it('a rollback uses its own key, and the plan cannot override the key', async () => {
    handlers.set('/undo', (_req, res) => res.writeHead(204).end());
    await run(
      mockEnv(),
      input({ url: `${base}/undo`, method: 'DELETE', headers: { 'Idempotency-Key': 'mine' } }, { purpose: 'rollback' }),
    );
    assert.equal(seen[0]?.method, 'DELETE');
    assert.equal(seen[0]?.headers['idempotency-key'], 'run-http-1/notify/rollback');
  });

  it('fails for good on a 400 and retries on 429 and 408', async () => {
    handlers.set('/bad', (_req, res) => json(res, 400, { error: 'missing field version' }));
    handlers.set('/busy', (_req, res) => res.writeHead(429).end());
    handlers.set('/slowpoke', (_req, res) => res.writeHead(408).end());
    const bad = await failure(run(mockEnv(), input({ url: `${base}/bad` })), 'HttpClientError');
    assert.equal(bad.nonRetryable, true);
    assert.equal(bad.details[0].httpStatus, 400);
    assert.match(bad.details[0].bodyTail ?? '', /missing field version/);
    const busy = await failure(run(mockEnv(), input({ url: `${base}/busy` })), 'HttpServerError');
    assert.equal(busy.nonRetryable, false);
    assert.equal(busy.details[0].httpStatus, 429);
    const slow = await failure(run(mockEnv(), input({ url: `${base}/slowpoke` })), 'HttpServerError');
    assert.equal(slow.nonRetryable, false);
  });

  it('times out retryably and aborts the request', async () => {
    handlers.set('/hang', () => undefined);
    const started = Date.now();
    const err = await failure(run(mockEnv(), input({ url: `${base}/hang`, timeout: '300ms' })), 'HttpTimeout');
    assert.equal(err.nonRetryable, false);
    assert.match(err.message, /timed out after 300ms/);
    assert.ok(Date.now() - started < 3_000);
    await waitFor(() => closedRequests.includes('/hang'));
  });

  it('a refused connection is a retryable network error', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const err = await failure(run(mockEnv(), input({ url: `http://127.0.0.1:${port}/x` })), 'HttpNetworkError');
    assert.equal(err.nonRetryable, false);
    assert.match(err.message, /ECONNREFUSED/);
  });

  it('reads metrics and summary from a JSON body, plus from: body regex rules', async () => {
    handlers.set('/report', (_req, res) =>
      json(res, 200, {
        summary: 'release 1.4 prepared',
        metrics: {
          tests_passed_ratio: 0.97,
          warnings: 12,
          channel: 'beta',
          signed: true,
          nested: { no: 1 },
          nothing: null,
        },
        build: 'build #4711',
      }),
    );
    const result = await run(
      mockEnv(),
      input(
        { url: `${base}/report` },
        {
          metricRules: {
            build_number: { from: 'body', regex: 'build #(\\d+)' },
            stdout_rule: { regex: '.' },
            warnings: {},
          },
        },
      ),
    );
    assert.deepEqual(result.metrics, {
      tests_passed_ratio: 0.97,
      warnings: 12,
      channel: 'beta',
      signed: true,
      build_number: 4711,
    });
    assert.equal(result.summary, 'release 1.4 prepared');
    assert.equal(result.httpStatus, 200);
  });

  it('sends objects as JSON and strings as they are; POST by default; GET without body', async () => {
    handlers.set('/echo', (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('fine'));
    const r1 = await run(mockEnv(), input({ url: `${base}/echo`, body: { version: '1.4', draft: false } }));
    await run(
      mockEnv(),
      input({ url: `${base}/echo`, method: 'PUT', body: 'plain text', headers: { 'content-type': 'text/plain' } }),
    );
    await run(mockEnv(), input({ url: `${base}/echo`, method: 'GET' }));
    assert.equal(seen[0]?.method, 'POST');
    assert.equal(seen[0]?.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(seen[0]?.body ?? ''), { version: '1.4', draft: false });
    assert.equal(seen[1]?.method, 'PUT');
    assert.equal(seen[1]?.body, 'plain text');
    assert.equal(seen[1]?.headers['content-type'], 'text/plain');
    assert.equal(seen[2]?.method, 'GET');
    assert.equal(seen[2]?.body, '');
    assert.deepEqual(r1.metrics, {});
    assert.match(r1.summary ?? '', /^HTTP 200 from POST http:\/\/127\.0\.0\.1:\d+\/echo in \d+ms$/);
  });

  it('resolves ${ENV} in header values on the worker; an unset variable fails for good without a request', async () => {
    handlers.set('/secure', (req, res) =>
      req.headers.authorization === 'Bearer s3cr3t-value' ? json(res, 200, {}) : res.writeHead(401).end(),
    );
    process.env.PHASEGATE_SECRET_TEST_TOKEN = 's3cr3t-value';
    try {
      await run(
        mockEnv(),
        input({
          url: `${base}/secure`,
          headers: {
            Authorization: 'Bearer ${PHASEGATE_SECRET_TEST_TOKEN}',
            'X-Run': 'id-${PHASEGATE_SECRET_TEST_TOKEN}-x',
          },
        }),
      );
      assert.equal(seen[0]?.headers['x-run'], 'id-s3cr3t-value-x');
      delete process.env.PHASEGATE_TEST_MISSING;
      const err = await failure(
        run(
          mockEnv(),
          input({ url: `${base}/secure`, headers: { Authorization: 'Bearer ${PHASEGATE_TEST_MISSING}' } }),
        ),
        'HttpConfigError',
      );
      assert.equal(err.nonRetryable, true);
      assert.match(err.message, /PHASEGATE_TEST_MISSING/);
      assert.equal(seen.length, 1);
      // A 401 message never echoes the resolved secret.
      handlers.set('/secure', (_req, res) => res.writeHead(401).end('unauthorized'));
      const denied = await failure(
        run(
          mockEnv(),
          input({ url: `${base}/secure`, headers: { Authorization: 'Bearer ${PHASEGATE_SECRET_TEST_TOKEN}' } }),
        ),
        'HttpClientError',
      );
      assert.doesNotMatch(JSON.stringify({ m: denied.message, d: denied.details }), /s3cr3t/);
    } finally {
      delete process.env.PHASEGATE_SECRET_TEST_TOKEN;
    }
  });

  it('cancellation aborts the request in flight and rethrows the CancelledFailure', async () => {
    handlers.set('/slow', () => undefined);
    const env = mockEnv();
    const running = run(env, input({ url: `${base}/slow`, timeout: '1m' }));
    await waitFor(() => seen.some((s) => s.path === '/slow'));
    env.cancel();
    await assert.rejects(running, (err) => err instanceof CancelledFailure);
    await waitFor(() => closedRequests.includes('/slow'));
  });
});

describe('http steps through the phase workflow (dev server)', () => {
  // Only these tests need Temporal: the activity tests above run in a MockActivityEnvironment.
  useTemporal();

  it('500 then 200: succeeds on attempt 2 with the same Idempotency-Key and the JSON metrics', async () => {
    handlers.set('/release', (_req, res, _s, n) =>
      n === 1
        ? res.writeHead(500).end('warming up')
        : json(res, 200, { summary: 'release prepared', metrics: { tests_passed_ratio: 0.96, clippy_warnings: 4 } }),
    );
    const plan: PhasePlan = {
      id: 'http-retry',
      steps: [
        {
          id: 'release-prep',
          agent: 'planner',
          run: { kind: 'http', url: `${base}/release`, body: { version: '1.4' }, timeout: '5s' },
          retry: { maximumAttempts: 3, initialInterval: '100ms' },
          metrics: { tests_passed_ratio: {}, clippy_warnings: {} },
        },
      ],
    };
    const handle = await startRun(env.client, plan, { taskQueue: worker.taskQueue });
    const s = await waitForOutcome(handle);
    assert.equal(s.outcome, 'succeeded', s.cause ?? '');
    const step = stepOf(s, 'release-prep');
    assert.equal(step.attempts, 2);
    assert.deepEqual(step.metrics, { tests_passed_ratio: 0.96, clippy_warnings: 4 });
    assert.equal(step.summary, 'release prepared');
    assert.equal(step.output?.httpStatus, 200);
    const keys = seen.filter((r) => r.path === '/release').map((r) => r.headers['idempotency-key']);
    assert.deepEqual(keys, [`${handle.workflowId}/release-prep`, `${handle.workflowId}/release-prep`]);
  });

  it('a 4xx answer fails the run at once, without retries', async () => {
    handlers.set('/reject', (_req, res) => json(res, 422, { error: 'version already released' }));
    const plan: PhasePlan = {
      id: 'http-client-error',
      steps: [
        {
          id: 'publish',
          run: { kind: 'http', url: `${base}/reject` },
          retry: { maximumAttempts: 3, initialInterval: '100ms' },
        },
      ],
    };
    const s = await waitForOutcome(await startRun(env.client, plan, { taskQueue: worker.taskQueue }));
    assert.equal(s.outcome, 'failed');
    const step = stepOf(s, 'publish');
    assert.equal(step.attempts, 1);
    assert.match(step.error ?? '', /answered 422/);
    assert.equal(step.output?.httpStatus, 422);
    assert.equal(seen.filter((r) => r.path === '/reject').length, 1);
  });

  it('an http rollback runs on failure with its own stable key', async () => {
    handlers.set('/deploy', (_req, res) => json(res, 201, {}));
    handlers.set('/undeploy', (_req, res, _s, n) => (n === 1 ? res.writeHead(502).end() : res.writeHead(204).end()));
    const plan: PhasePlan = {
      id: 'http-rollback',
      steps: [
        {
          id: 'deploy',
          run: { kind: 'http', url: `${base}/deploy` },
          rollback: { kind: 'http', url: `${base}/undeploy`, method: 'DELETE' },
          retry: { maximumAttempts: 3, initialInterval: '100ms' },
        },
        { id: 'verify', needs: ['deploy'], run: { kind: 'shell', command: ['false'] }, retry: { maximumAttempts: 1 } },
      ],
    };
    const handle = await startRun(env.client, plan, { taskQueue: worker.taskQueue });
    const s = await waitForOutcome(handle);
    assert.equal(s.outcome, 'failed');
    assert.deepEqual(
      s.compensations.map((c) => [c.step, c.state]),
      [['deploy', 'succeeded']],
    );
    const undo = seen.filter((r) => r.path === '/undeploy');
    assert.ok(undo.length >= 2, `rollback retried after the 502 (saw ${undo.length})`);
    for (const r of undo) {
      assert.equal(r.method, 'DELETE');
      assert.equal(r.headers['idempotency-key'], `${handle.workflowId}/deploy/rollback`);
    }
  });
});

async function waitFor(predicate: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
