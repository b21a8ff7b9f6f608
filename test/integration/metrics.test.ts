/**
 * Observability end to end, on a real dev server: the API's `/metrics` scraped before, during and
 * after a run started and decided through the API (counters move, the outcome is counted, labels
 * are route templates); who may read `/metrics`; a worker process's Prometheus endpoint
 * (`PHASEGATE_WORKER_METRICS`) and JSON log lines naming the run; tracing (`PHASEGATE_OTEL`) in a
 * worker process; and the recorded histories replayed with the tracing interceptors bundled.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { Resource } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { Client } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { parseTokenSpec, TokenStore } from '../../client/api/auth';
import { ApiMetrics } from '../../client/api/metrics';
import { startRun } from '../../client/runs';
import type { PhasePlan } from '../../workflows/plan/schema';
import { validatePlan } from '../../workflows/plan/validate';
import type { RunStatus } from '../../workflows/status';
import { OTEL_WORKFLOW_INTERCEPTORS, workerTracingOptions } from '../../workers/telemetry';
import { WORKFLOWS_PATH } from '../../workers/worker';
import { freePort, spawnWorker, until, type WorkerProcess } from '../helpers/processes';
import { workflowBundle } from '../helpers/temporal';
import { base, env, serveApp, useApi } from '../helpers/fixture';
import { loadRecordedHistories } from '../helpers/histories';

const PLANS = {
  'it-metrics': {
    id: 'it-metrics',
    steps: [
      { id: 'build', run: { kind: 'simulate', duration: '100ms' } },
      { id: 'release', gate: { needs: ['build'], approval: { approvers: ['alice'], quorum: 1 } } },
      { id: 'publish', needs: ['release'], run: { kind: 'simulate', duration: '100ms' } },
    ],
  },
};

/** A quick phase for the worker-process tests. */
function quickPlan(id: string): PhasePlan {
  const v = validatePlan({ id, steps: [{ id: 'only', run: { kind: 'simulate', duration: '100ms' } }] });
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return v.plan as PhasePlan;
}

// Each app gets its own metrics registry (createApp's default); the worker-process tests spawn
// workers of their own on their own task queues beside the fixture's worker.
useApi({ plans: PLANS });

/** One sample of a Prometheus text exposition. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the text format's sample lines (enough for the exporters here: no escaped quotes in values). */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)].map((l) => [l[1], l[2]]),
    );
    samples.push({ name: m[1] as string, labels: labels as Record<string, string>, value: Number(m[3]) });
  }
  return samples;
}

/** Sum of the samples named `name` whose labels include `labels` (0 when there is none). */
function total(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

async function scrape(url: string, token?: string): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  assert.equal(res.status, 200, await res.clone().text());
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseMetrics(await res.text());
}

describe('API /metrics', () => {
  /** An app whose outcome counts are never reused, so a finished run shows at the next scrape. */
  let url: string;

  before(async () => {
    ({ base: url } = await serveApp({ metrics: new ApiMetrics({ outcomeCacheMs: 0 }) }));
  });

  async function call<T = Record<string, unknown>>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const res = await fetch(`${url}${path}`, {
      method,
      ...(method === 'GET' ? {} : { headers: { 'content-type': 'application/json' } }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  async function waitFor(runId: string, predicate: (s: RunStatus) => boolean): Promise<RunStatus> {
    let last: RunStatus | undefined;
    await until(
      async () => {
        const r = await call<RunStatus>('GET', `/api/runs/${runId}`);
        last = r.body;
        return r.status === 200 && predicate(r.body);
      },
      30_000,
      `run ${runId}; last ${JSON.stringify(last)?.slice(0, 500)}`,
    );
    return last as RunStatus;
  }

  it('counters move while a run is started, decided and finished through the API', async () => {
    const before = await scrape(url);
    const succeededBefore = total(before, 'phasegate_runs_by_outcome', { outcome: 'succeeded' });
    assert.ok(
      before.some((s) => s.name === 'phasegate_runs_by_outcome' && s.labels.outcome === 'timed-out'),
      'every outcome is exported, zeros included',
    );

    const started = await call<{ runId: string }>('POST', '/api/runs', { plan: 'it-metrics' });
    assert.equal(started.status, 201);
    const runId = started.body.runId;
    await waitFor(runId, (s) => s.state === 'awaiting-approval');

    const during = await scrape(url);
    assert.equal(
      total(during, 'phasegate_runs_started_total', { plan: 'it-metrics' }) -
        total(before, 'phasegate_runs_started_total', { plan: 'it-metrics' }),
      1,
    );
    assert.equal(
      total(during, 'phasegate_http_requests_total', { method: 'POST', route: '/api/runs', status: '201' }) -
        total(before, 'phasegate_http_requests_total', { method: 'POST', route: '/api/runs', status: '201' }),
      1,
    );
    assert.ok(
      total(during, 'phasegate_http_requests_total', { method: 'GET', route: '/api/runs/:runId', status: '200' }) >= 1,
      'status polls are counted under the route template',
    );
    assert.equal(
      total(during, 'phasegate_runs_by_outcome', { outcome: 'succeeded' }),
      succeededBefore,
      'not finished yet',
    );

    assert.equal(
      (await call('POST', `/api/runs/${runId}/decisions`, { gate: 'release', decision: 'go', approver: 'alice' }))
        .status,
      200,
    );
    assert.equal(
      (await call('POST', `/api/runs/${runId}/decisions`, { gate: 'release', decision: 'go', approver: 'alice' }))
        .status,
      409,
    );
    assert.equal(
      (await call('POST', `/api/runs/${runId}/decisions`, { gate: 'release', decision: 'maybe', approver: 'alice' }))
        .status,
      400,
    );
    assert.equal((await waitFor(runId, (s) => s.outcome !== null)).outcome, 'succeeded');

    // Visibility is eventually consistent: poll until the finished run is counted.
    let after: Sample[] = [];
    await until(
      async () => {
        after = await scrape(url);
        return total(after, 'phasegate_runs_by_outcome', { outcome: 'succeeded' }) >= succeededBefore + 1;
      },
      15_000,
      'the succeeded run in phasegate_runs_by_outcome',
    );

    const moved = (name: string, labels: Record<string, string>) =>
      total(after, name, labels) - total(before, name, labels);
    assert.equal(moved('phasegate_decisions_total', { decision: 'go', result: 'accepted' }), 1);
    assert.equal(moved('phasegate_decisions_total', { decision: 'go', result: 'refused' }), 1);
    assert.equal(moved('phasegate_decisions_total', { decision: 'invalid', result: 'invalid' }), 1);
    assert.equal(
      moved('phasegate_http_requests_total', { method: 'POST', route: '/api/runs/:runId/decisions', status: '200' }),
      1,
    );
    assert.equal(
      moved('phasegate_http_requests_total', { method: 'POST', route: '/api/runs/:runId/decisions', status: '409' }),
      1,
    );
    assert.ok(
      moved('phasegate_http_request_duration_seconds_count', { method: 'GET', route: '/api/runs/:runId' }) >= 2,
    );
    assert.ok(total(after, 'phasegate_http_requests_total', { route: '/metrics' }) >= 2, 'scrapes are counted too');
    const routes = new Set(after.filter((s) => s.name === 'phasegate_http_requests_total').map((s) => s.labels.route));
    assert.ok(
      ![...routes].some((r) => r?.includes(runId)),
      `no raw path with the run id among ${[...routes].join(', ')}`,
    );
  });

  it('counts each run a batch started, and no failed item', async () => {
    const before = await scrape(url);
    const started = await call<{ started: number; failed: number }>('POST', '/api/runs/batch', {
      runs: [{ plan: 'it-metrics' }, { plan: 'no-such-plan' }, { plan: 'it-metrics' }],
    });
    assert.equal(started.status, 200);
    assert.deepEqual([started.body.started, started.body.failed], [2, 1]);
    const after = await scrape(url);
    const moved = (name: string, labels: Record<string, string>) =>
      total(after, name, labels) - total(before, name, labels);
    assert.equal(moved('phasegate_runs_started_total', { plan: 'it-metrics' }), 2);
    assert.equal(moved('phasegate_runs_started_total', { plan: 'no-such-plan' }), 0);
    assert.equal(
      moved('phasegate_http_requests_total', { method: 'POST', route: '/api/runs/batch', status: '200' }),
      1,
    );
  });

  it('labels unknown paths (unmatched) and requests refused before routing by their route', async () => {
    const before = await scrape(url);
    assert.equal((await fetch(`${url}/no/such/${Date.now()}`)).status, 404);
    const res = await fetch(`${url}/api/runs`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: 'a,b',
    });
    assert.equal(res.status, 415);
    const after = await scrape(url);
    assert.equal(
      total(after, 'phasegate_http_requests_total', { route: '(unmatched)', status: '404' }) -
        total(before, 'phasegate_http_requests_total', { route: '(unmatched)', status: '404' }),
      1,
    );
    assert.equal(
      total(after, 'phasegate_http_requests_total', { method: 'POST', route: '/api/runs', status: '415' }) -
        total(before, 'phasegate_http_requests_total', { method: 'POST', route: '/api/runs', status: '415' }),
      1,
    );
  });
});

describe('who may read /metrics', () => {
  const METRICS_TOKEN = 'scrape-only-token-for-tests';

  async function status(url: string, path: string, token?: string): Promise<number> {
    return (await fetch(`${url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {})).status;
  }

  it('with tokens, lets the metrics token or an operator token read /metrics and refuses everyone else', async () => {
    const tokens = new TokenStore(parseTokenSpec('op-token=olga:operator;ap-token=alice:approver'));
    const { base: url } = await serveApp({ tokens, metricsToken: METRICS_TOKEN });
    assert.equal(await status(url, '/metrics'), 401);
    assert.equal(await status(url, '/metrics', 'wrong-token'), 401);
    assert.equal(await status(url, '/metrics', 'ap-token'), 403);
    assert.equal(await status(url, '/metrics', METRICS_TOKEN), 200);
    assert.equal(await status(url, '/metrics', 'op-token'), 200);
    assert.equal(await status(url, '/api/plans', METRICS_TOKEN), 401, 'the metrics token opens nothing else');
  });

  it('with tokens and no metrics token, lets only operator tokens read /metrics', async () => {
    const tokens = new TokenStore(parseTokenSpec('op-token=olga:operator;ag-token=bot:agent'));
    const { base: url } = await serveApp({ tokens });
    assert.equal(await status(url, '/metrics'), 401);
    assert.equal(await status(url, '/metrics', 'ag-token'), 403);
    assert.equal(await status(url, '/metrics', 'op-token'), 200);
  });

  it('with auth off, serves /metrics to anyone unless a metrics token is configured', async () => {
    assert.equal(await status(base, '/metrics'), 200);
    const { base: guarded } = await serveApp({ metricsToken: METRICS_TOKEN });
    assert.equal(await status(guarded, '/metrics'), 401);
    assert.equal(await status(guarded, '/metrics', METRICS_TOKEN), 200);
  });
});

describe('worker process telemetry', () => {
  let proc: WorkerProcess | undefined;

  after(async () => {
    await proc?.stop();
  });

  it('serves the SDK metrics at PHASEGATE_WORKER_METRICS, and logs JSON lines naming the run', async () => {
    const port = await freePort();
    const taskQueue = `metrics-${Date.now()}`;
    proc = await spawnWorker(env.address, taskQueue, {
      PHASEGATE_WORKER_METRICS: `127.0.0.1:${port}`,
      LOG_LEVEL: 'debug',
    });
    const url = `http://127.0.0.1:${port}`;
    const before = await scrape(url);
    assert.ok(total(before, 'temporal_num_pollers', { task_queue: taskQueue }) > 0, 'the SDK exports its pollers');
    assert.equal(total(before, 'temporal_workflow_completed', { task_queue: taskQueue }), 0);

    const handle = await startRun(env.client, quickPlan('it-worker-metrics'), { taskQueue });
    // Bounded: if the worker process died, fail with its output instead of waiting forever.
    await Promise.race([
      handle.result(),
      new Promise((_, reject) =>
        setTimeout(
          () => reject(new Error(`run did not finish; worker output:\n${proc?.output().slice(-4000)}`)),
          60_000,
        ).unref(),
      ),
    ]);
    let after: Sample[] = [];
    await until(
      async () => {
        after = await scrape(url);
        return (
          total(after, 'temporal_workflow_completed', { task_queue: taskQueue, workflow_type: 'phaseWorkflow' }) === 1
        );
      },
      10_000,
      'temporal_workflow_completed to move',
    );
    assert.ok(
      total(after, 'temporal_activity_execution_latency_count', {
        task_queue: taskQueue,
        activity_type: 'simulateTask',
      }) >= 1,
    );

    // Every line is one JSON object; the run's workflow and activity lines carry its id.
    await until(() => proc!.output().includes('"msg":"Workflow completed"'), 5_000, 'the workflow completion line');
    const lines = proc
      .output()
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('(node:'));
    const parsed = lines.map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON line: ${l.slice(0, 300)}`);
      }
    });
    assert.ok(
      parsed.every(
        (l) =>
          typeof l.time === 'string' &&
          typeof l.level === 'string' &&
          typeof l.msg === 'string' &&
          l.name === 'phasegate-worker',
      ),
    );
    const ofRun = parsed.filter((l) => l.runId === handle.workflowId);
    assert.ok(
      ofRun.some(
        (l) =>
          l.msg === 'Workflow completed' && l.workflowId === handle.workflowId && typeof l.temporalRunId === 'string',
      ),
    );
    assert.ok(ofRun.some((l) => l.msg === 'Activity completed' && l.activityType === 'simulateTask'));
    assert.ok(!parsed.some((l) => 'taskToken' in l), 'task tokens are never logged');
    await proc.stop();
    proc = undefined;
  });

  it('traces runs started with a trace context (PHASEGATE_OTEL=true; spans as JSON lines without a collector); other runs stay untraced', async () => {
    const clientSpans = new InMemorySpanExporter();
    const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(clientSpans)] });
    provider.register();
    const tracedClient = new Client({
      connection: env.client.connection,
      namespace: env.namespace ?? 'default',
      interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
    });
    const taskQueue = `otel-${Date.now()}`;
    proc = await spawnWorker(env.address, taskQueue, { PHASEGATE_OTEL: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: '' });

    const traced = await startRun(tracedClient, quickPlan('it-otel'), { taskQueue });
    const untraced = await startRun(env.client, quickPlan('it-otel-off'), { taskQueue });
    await Promise.all([traced.result(), untraced.result()]);
    const spans = () =>
      proc!
        .output()
        .split('\n')
        .filter((l) => l.includes('"msg":"span"'))
        .map((l) => JSON.parse(l) as { runId?: string; span: string; traceId: string });
    await until(
      () => spans().some((s) => s.runId === traced.workflowId && s.span === 'RunWorkflow:phaseWorkflow'),
      10_000,
      'the workflow span',
    );
    await until(
      () => spans().some((s) => s.runId === traced.workflowId && s.span === 'RunActivity:simulateTask'),
      10_000,
      'the activity span',
    );
    const started = clientSpans.getFinishedSpans().find((s) => s.name === 'StartWorkflow:phaseWorkflow');
    assert.ok(started, 'the client traced the start');
    const ofRun = spans().filter((s) => s.runId === traced.workflowId);
    assert.deepEqual(
      [...new Set(ofRun.map((s) => s.traceId))],
      [started.spanContext().traceId],
      'client, workflow and activity spans form one trace',
    );
    assert.ok(
      !spans().some((s) => s.runId === untraced.workflowId && s.span.startsWith('RunWorkflow')),
      'a run started without a trace context is not traced inside the workflow',
    );

    // Both runs replay with the tracing bundle, and the untraced one with the default bundle too.
    const histories = await Promise.all(
      [traced, untraced].map(async (h) => ({ workflowId: h.workflowId, history: await h.fetchHistory() })),
    );
    for await (const r of Worker.runReplayHistories(
      { workflowBundle: await tracingBundle(), sinks: tracingSinks() },
      histories,
    ))
      assert.equal(r.error, undefined, `${r.workflowId}: ${r.error?.message}`);
    await Worker.runReplayHistory(
      { workflowBundle: await workflowBundle() },
      histories[1]!.history,
      untraced.workflowId,
    );
    await proc.stop();
    proc = undefined;
    await provider.shutdown();
  });
});

let tracingBundlePromise: ReturnType<typeof bundleWorkflowCode> | undefined;
/** The workflow bundle a worker builds with PHASEGATE_OTEL=true. */
function tracingBundle(): ReturnType<typeof bundleWorkflowCode> {
  tracingBundlePromise ??= bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: [OTEL_WORKFLOW_INTERCEPTORS],
    logger: new DefaultLogger('WARN'),
  });
  return tracingBundlePromise;
}

/** The sinks of a tracing worker, exporting nowhere. */
function tracingSinks() {
  const tracing = {
    resource: Resource.default(),
    spanProcessor: new SimpleSpanProcessor(new InMemorySpanExporter()),
    shutdown: async () => undefined,
  };
  return workerTracingOptions(tracing).sinks ?? {};
}

describe('tracing and determinism', () => {
  it('the recorded histories (runs started without tracing) replay with the tracing interceptors bundled', async () => {
    const histories = loadRecordedHistories();
    let count = 0;
    for await (const r of Worker.runReplayHistories(
      { workflowBundle: await tracingBundle(), sinks: tracingSinks() },
      histories,
    )) {
      count++;
      assert.equal(r.error, undefined, `${r.workflowId}: ${r.error?.message}`);
    }
    assert.equal(count, histories.length);
  });
});
