/**
 * OpenTelemetry tracing for the worker and the API, used only with `PHASEGATE_OTEL=true`: one
 * tracer provider per process, registered globally (the Temporal interceptors use the global
 * tracer), exporting to an OTLP/HTTP collector when `OTEL_EXPORTER_OTLP_ENDPOINT` is set and
 * otherwise as one JSON line per span on stdout, so the process's output stays one JSON object a line.
 */
import { ExportResultCode, hrTimeToMilliseconds, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Env } from './env';

/** What the interceptors need from the process's tracing. */
export interface Tracing {
  /** Attached to every span, workflow spans included (they are exported through a worker sink). */
  resource: Resource;
  /** Receives finished spans; the worker's workflow span sink feeds it too. */
  spanProcessor: SpanProcessor;
  /** Flushes pending spans and stops the exporter. */
  shutdown(): Promise<void>;
}

/** Writes each span as one JSON line, in the shape of the processes' log lines. */
export class JsonLineSpanExporter implements SpanExporter {
  constructor(
    private readonly service: string,
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const span of spans) {
      const context = span.spanContext();
      // The interceptors name the workflow id differently on workflow and activity spans.
      const workflowId = span.attributes.workflowId ?? span.attributes.temporalWorkflowId;
      this.write(
        JSON.stringify({
          time: new Date(hrTimeToMilliseconds(span.startTime)).toISOString(),
          level: 'info',
          name: this.service,
          msg: 'span',
          ...(typeof workflowId === 'string' ? { runId: workflowId } : {}),
          span: span.name,
          kind: SpanKind[span.kind],
          traceId: context.traceId,
          spanId: context.spanId,
          ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
          durationMs: Math.round(hrTimeToMilliseconds(span.duration) * 10) / 10,
          status: SpanStatusCode[span.status.code],
          ...(span.status.message ? { statusMessage: span.status.message } : {}),
          attributes: span.attributes,
        }),
      );
    }
    done({ code: ExportResultCode.SUCCESS });
  }

  async shutdown(): Promise<void> {}
}

/** The OTLP/HTTP traces URL for a collector base URL, as the OTel spec derives it from `OTEL_EXPORTER_OTLP_ENDPOINT`. */
export function otlpTracesUrl(endpoint: string): string {
  return new URL('v1/traces', endpoint.endsWith('/') ? endpoint : `${endpoint}/`).href;
}

let active: Tracing | undefined;

/**
 * Starts tracing for this process (once; later calls return the same instance). `service` names
 * the process in the traces, e.g. `phasegate-worker`.
 */
export function startTracing(service: string, env: Pick<Env, 'OTEL_EXPORTER_OTLP_ENDPOINT'>): Tracing {
  if (active) return active;
  const resource = Resource.default().merge(new Resource({ 'service.name': service }));
  const exporter = env.OTEL_EXPORTER_OTLP_ENDPOINT
    ? new OTLPTraceExporter({ url: otlpTracesUrl(env.OTEL_EXPORTER_OTLP_ENDPOINT) })
    : new JsonLineSpanExporter(service);
  const spanProcessor = new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // Global registration also installs the AsyncLocalStorage context manager and W3C propagation,
  // which the client and activity interceptors rely on to parent spans.
  provider.register();
  const tracing: Tracing = {
    resource,
    spanProcessor,
    shutdown: async () => {
      active = undefined;
      await provider.shutdown();
    },
  };
  active = tracing;
  return tracing;
}

/** Flushes and stops this process's tracing, if started. */
export async function stopTracing(): Promise<void> {
  await active?.shutdown();
}
