/**
 * The worker process's telemetry, set up in one `Runtime.install` (the SDK allows one per process,
 * before any connection):
 * - logs: every line is one JSON object (`time`, `level`, `name`, `msg`, then the metadata the SDK
 *   attaches). Workflow (`log` from `@temporalio/workflow`) and activity (`Context.current().log`)
 *   lines carry the run: `runId` is the workflow id (what the API and the CLI call the run id, so one
 *   grep finds a run's API and worker lines), `temporalRunId` Temporal's execution run id. The Rust
 *   core's messages are forwarded to the same logger instead of being printed in their own format;
 * - metrics: the SDK's Prometheus exporter at `PHASEGATE_WORKER_METRICS` (`host:port`, off by default);
 * - tracing: the OpenTelemetry interceptors and workflow span sink, with `PHASEGATE_OTEL=true` only.
 */
import type { Context as ActivityContext } from '@temporalio/activity';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import {
  DefaultLogger,
  Runtime,
  type LogEntry,
  type LogLevel,
  type Logger,
  type WorkerOptions,
} from '@temporalio/worker';
import type { Env } from '../config/env';
import type { Tracing } from '../config/tracing';

/** The `name` of the worker's log lines (the API's are `phasegate-api`). */
export const WORKER_LOG_NAME = 'phasegate-worker';

const SEVERITY: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];
const atLeast = (level: LogLevel, min: LogLevel) => SEVERITY.indexOf(level) >= SEVERITY.indexOf(min);

/** Levels for the two kinds of lines: Phasegate's own (workflows, activities, the process) and the SDK's. */
export interface WorkerLogLevels {
  app: LogLevel;
  sdk: LogLevel;
}

/**
 * Maps `LOG_LEVEL` to levels. The SDK is chatty at INFO (it prints the whole webpack report at
 * start), so its INFO lines show only with `debug`; workflow and activity lines follow `LOG_LEVEL`.
 */
export function workerLogLevels(level: Env['LOG_LEVEL']): WorkerLogLevels {
  const app = level.toUpperCase() as LogLevel;
  return { app, sdk: level === 'debug' ? 'DEBUG' : level === 'error' ? 'ERROR' : 'WARN' };
}

/** JSON replacer: errors as their name, message and stack; bigints as strings. */
function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Error)
    return { type: value.name, message: value.message, ...(value.stack ? { stack: value.stack } : {}) };
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** Formats one SDK log entry as a JSON line (without the newline). */
export function formatLogEntry(entry: LogEntry, name = WORKER_LOG_NAME): string {
  // The task token lets whoever holds it complete the activity: it has no place in logs.
  const { taskToken: _taskToken, workflowId, runId, workflowRunId, ...rest } = entry.meta ?? {};
  const line = {
    time: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(),
    level: entry.level.toLowerCase(),
    name,
    msg: entry.message,
    ...(typeof workflowId === 'string' ? { runId: workflowId, workflowId } : {}),
    ...((runId ?? workflowRunId) ? { temporalRunId: runId ?? workflowRunId } : {}),
    ...rest,
  };
  try {
    return JSON.stringify(line, jsonSafe);
  } catch (err) {
    // A circular value in the metadata must not lose the message.
    return JSON.stringify({
      time: line.time,
      level: line.level,
      name,
      msg: entry.message,
      metaError: (err as Error).message,
    });
  }
}

/** Lines from Temporal's own machinery rather than from Phasegate code. */
function isSdkLine(entry: LogEntry): boolean {
  const component = entry.meta?.sdkComponent;
  return component === 'worker' || component === 'core';
}

/**
 * A logger writing JSON lines through `write` (default: stdout), filtering SDK lines at
 * `levels.sdk` and all others at `levels.app`.
 */
export function jsonLogger(
  levels: WorkerLogLevels,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Logger {
  const lowest = atLeast(levels.app, levels.sdk) ? levels.sdk : levels.app;
  return new DefaultLogger(lowest, (entry) => {
    if (!atLeast(entry.level, isSdkLine(entry) ? levels.sdk : levels.app)) return;
    write(formatLogEntry(entry));
  });
}

/**
 * Installs the process's Temporal Runtime: JSON logs (core messages forwarded to them) and, when
 * `PHASEGATE_WORKER_METRICS` is set, the Prometheus endpoint. Returns the logger for the process's
 * own lines. Call once, before connecting.
 */
export function installWorkerRuntime(env: Pick<Env, 'LOG_LEVEL' | 'PHASEGATE_WORKER_METRICS'>): Logger {
  const levels = workerLogLevels(env.LOG_LEVEL);
  const logger = jsonLogger(levels);
  try {
    Runtime.install({
      logger,
      telemetryOptions: {
        logging: { filter: { core: levels.sdk, other: 'ERROR' }, forward: {} },
        ...(env.PHASEGATE_WORKER_METRICS
          ? { metrics: { prometheus: { bindAddress: env.PHASEGATE_WORKER_METRICS } } }
          : {}),
      },
    });
  } catch (err) {
    // The exporter binds its port right here; a busy port should name the setting to change.
    if (!env.PHASEGATE_WORKER_METRICS) throw err;
    throw new Error(`PHASEGATE_WORKER_METRICS=${env.PHASEGATE_WORKER_METRICS}: ${(err as Error).message}`);
  }
  return logger;
}

/** The tracing workflow interceptors (per-run, see that module), bundled only when tracing is on. */
export const OTEL_WORKFLOW_INTERCEPTORS = require.resolve('./tracing-interceptors');

/**
 * Worker options that trace workflows and activities: the workflow interceptors go into the
 * bundle through `interceptors.workflowModules` (so without tracing the bundle is the default one),
 * workflow spans leave the sandbox through the `exporter` sink. Only runs started with a trace
 * context are traced inside the workflow; the others run as with the default bundle.
 */
export function workerTracingOptions(tracing: Tracing): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  return {
    interceptors: {
      workflowModules: [OTEL_WORKFLOW_INTERCEPTORS],
      activity: [
        (ctx: ActivityContext) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
  };
}
