/**
 * The pieces of observability that need no Temporal: the worker's JSON log lines and level split,
 * the API's route labels and decision results, the API logger's run id on every line of a request,
 * and the JSON span lines.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { LogEntry } from '@temporalio/worker';
import express from 'express';
import { errorHandler } from '../../client/api/errors';
import { createApiLogger, requestLogger } from '../../client/api/logging';
import { decisionResult, routeMatcher } from '../../client/api/metrics';
import { allRoutes } from '../../client/api/routes';
import { JsonLineSpanExporter, otlpTracesUrl } from '../../config/tracing';
import { formatLogEntry, jsonLogger, workerLogLevels } from '../../workers/telemetry';

const entry = (meta: Record<string, unknown>, level: LogEntry['level'] = 'INFO', message = 'hello'): LogEntry => ({
  level,
  message,
  meta,
  timestampNanos: 1_700_000_000_123_456_789n,
});

describe('worker log lines', () => {
  it("workflow lines: runId is the workflow id, Temporal's run id is temporalRunId", () => {
    const line = JSON.parse(
      formatLogEntry(
        entry({ sdkComponent: 'workflow', workflowId: 'release-1a2b', runId: 'r-123', workflowType: 'phaseWorkflow' }),
      ),
    ) as Record<string, unknown>;
    assert.deepEqual(line, {
      time: '2023-11-14T22:13:20.123Z',
      level: 'info',
      name: 'phasegate-worker',
      msg: 'hello',
      runId: 'release-1a2b',
      workflowId: 'release-1a2b',
      temporalRunId: 'r-123',
      sdkComponent: 'workflow',
      workflowType: 'phaseWorkflow',
    });
  });

  it('activity lines: the same run fields, never the task token; errors keep their message', () => {
    const line = JSON.parse(
      formatLogEntry(
        entry(
          {
            sdkComponent: 'activity',
            workflowId: 'w',
            workflowRunId: 'r',
            activityType: 'shellTask',
            taskToken: 'c2VjcmV0',
            error: new TypeError('boom'),
            big: 10n,
          },
          'WARN',
        ),
      ),
    ) as Record<string, unknown>;
    assert.equal(line.runId, 'w');
    assert.equal(line.temporalRunId, 'r');
    assert.equal(line.level, 'warn');
    assert.ok(!('taskToken' in line) && !('workflowRunId' in line));
    assert.deepEqual(
      { ...(line.error as object), stack: undefined },
      { type: 'TypeError', message: 'boom', stack: undefined },
    );
    assert.equal(line.big, '10');
  });

  it('a circular value does not lose the line', () => {
    const meta: Record<string, unknown> = { workflowId: 'w' };
    meta.self = meta;
    const line = JSON.parse(formatLogEntry(entry(meta))) as Record<string, unknown>;
    assert.equal(line.msg, 'hello');
    assert.match(String(line.metaError), /circular/i);
  });

  it('SDK lines follow the SDK level (WARN unless debugging), workflow and activity lines follow LOG_LEVEL', () => {
    assert.deepEqual(workerLogLevels('info'), { app: 'INFO', sdk: 'WARN' });
    assert.deepEqual(workerLogLevels('debug'), { app: 'DEBUG', sdk: 'DEBUG' });
    assert.deepEqual(workerLogLevels('error'), { app: 'ERROR', sdk: 'ERROR' });
    const lines: string[] = [];
    const logger = jsonLogger(workerLogLevels('info'), (l) => lines.push(l));
    logger.info('bundle report', { sdkComponent: 'worker' });
    logger.info('core chatter', { sdkComponent: 'core' });
    logger.warn('Activity failed', { sdkComponent: 'worker' });
    logger.info('from the workflow', { sdkComponent: 'workflow', workflowId: 'w' });
    logger.debug('workflow detail', { sdkComponent: 'workflow', workflowId: 'w' });
    logger.info('polling task queue');
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { msg: string }).msg),
      ['Activity failed', 'from the workflow', 'polling task queue'],
    );
  });
});

describe('API metric labels', () => {
  const match = routeMatcher(allRoutes());

  it('maps paths to route templates, the most literal first; unknown paths to undefined', () => {
    assert.equal(match('/api/runs'), '/api/runs');
    assert.equal(match('/api/runs/'), '/api/runs');
    assert.equal(match('/api/runs/release-1a2b'), '/api/runs/:runId');
    assert.equal(match('/api/runs/release-1a2b/decisions'), '/api/runs/:runId/decisions');
    assert.equal(match('/api/runs/r/steps/build/retry'), '/api/runs/:runId/steps/:stepId/retry');
    assert.equal(match('/api/plans/validate'), '/api/plans/validate');
    assert.equal(match('/api/runs//decisions'), undefined, 'an empty segment is not a parameter');
    assert.equal(match('/wp-admin/setup.php'), undefined);
  });

  it('prefers literal segments over parameters', () => {
    const m = routeMatcher([{ path: '/a/:id' }, { path: '/a/special' }]);
    assert.equal(m('/a/special'), '/a/special');
    assert.equal(m('/a/other'), '/a/:id');
  });

  it('names what became of a decision', () => {
    assert.deepEqual([200, 400, 401, 403, 404, 409, 413, 503].map(decisionResult), [
      'accepted',
      'invalid',
      'forbidden',
      'forbidden',
      'not-found',
      'refused',
      'error',
      'error',
    ]);
  });
});

describe('API log lines', () => {
  it('carry the run id on every line logged while handling a request about a run, errors included', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n').filter(Boolean))
          lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    const logger = createApiLogger('info', sink);
    const app = express();
    app.use(requestLogger(logger));
    app.use(express.json());
    app.post('/api/runs/:runId/boom', async (req, res) => {
      res.locals.runId = req.params.runId;
      await new Promise((r) => setTimeout(r, 5));
      logger.info({ gate: 'release' }, 'handling');
      throw new Error('bug');
    });
    app.use(errorHandler(logger));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/runs/release-1a2b/boom`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"a":1}',
      });
      assert.equal(res.status, 500);
      await new Promise((r) => setTimeout(r, 20));
    } finally {
      await new Promise((r) => server.close(r));
    }
    assert.deepEqual(
      lines.map((l) => [l.msg, l.runId]),
      [
        ['handling', 'release-1a2b'],
        ['unexpected error', 'release-1a2b'],
        ['request', 'release-1a2b'],
      ],
    );
    assert.ok(
      lines.every((l) => l.level === 'info' || l.level === 'error'),
      'levels are names',
    );
    assert.ok(
      lines.every((l) => typeof l.time === 'string' && !Number.isNaN(Date.parse(l.time))),
      'times are ISO text',
    );
    assert.equal(lines.filter((l) => l.msg === 'handling').length, 1);
  });

  it('lines outside any request have no run id', () => {
    const lines: string[] = [];
    const logger = createApiLogger(
      'info',
      new Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) }),
    );
    logger.info('bundled plans');
    assert.ok(!('runId' in (JSON.parse(lines[0] as string) as object)));
  });
});

describe('tracing helpers', () => {
  it('derives the OTLP/HTTP traces URL from the base endpoint', () => {
    assert.equal(otlpTracesUrl('http://collector:4318'), 'http://collector:4318/v1/traces');
    assert.equal(otlpTracesUrl('https://otel.example/base/'), 'https://otel.example/base/v1/traces');
  });

  it('writes each span as one JSON line with the run id', async () => {
    const lines: string[] = [];
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(new JsonLineSpanExporter('phasegate-test', (l) => lines.push(l)))],
    });
    const span = provider
      .getTracer('t')
      .startSpan('RunActivity:shellTask', { attributes: { temporalWorkflowId: 'release-1a2b' } });
    span.end();
    await provider.forceFlush();
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0] as string) as Record<string, unknown>;
    assert.equal(line.msg, 'span');
    assert.equal(line.name, 'phasegate-test');
    assert.equal(line.runId, 'release-1a2b');
    assert.equal(line.span, 'RunActivity:shellTask');
    assert.match(String(line.traceId), /^[0-9a-f]{32}$/);
  });
});
