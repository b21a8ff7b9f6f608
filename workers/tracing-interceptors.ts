/**
 * Workflow interceptors for tracing, bundled into the workflow code only with `PHASEGATE_OTEL=true`
 * (see `telemetry.ts`). This module runs inside the workflow sandbox: it must stay deterministic.
 *
 * Why not the package's own `workflow-interceptors` module as is: its interceptors add `await`s
 * around the workflow function, each activity and each Update handler, which moves commands within
 * a workflow task (the recorded `hold-retry-then-failure` history fails to replay with them: an
 * Update completes after a search-attribute upsert instead of before). A run started without
 * tracing would then break when a tracing worker replays it. So tracing is decided once per run,
 * from its start: a run whose start carried a trace context (the API's client traces when
 * `PHASEGATE_OTEL=true`) is traced for its whole life; every other run gets these interceptors as
 * plain pass-throughs that add no `await`, so it runs exactly as with the default bundle. Child
 * workflows inherit the decision through the trace header of their start.
 */
import { TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type {
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
  WorkflowInternalsInterceptor,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

/** The interceptors of one workflow execution (the SDK calls this once per run it instantiates). */
export const interceptors = (): WorkflowInterceptors => {
  // Set by `execute`, from the start's headers: the same answer on every replay of the run.
  let traced = false;
  const inbound = new OpenTelemetryInboundInterceptor();
  const outbound = new OpenTelemetryOutboundInterceptor();
  const internals = new OpenTelemetryInternalsInterceptor();

  const inboundCalls: WorkflowInboundCallsInterceptor = {
    execute: (input, next) => {
      traced = input.headers[TRACE_HEADER] !== undefined;
      return traced ? inbound.execute(input, next) : next(input);
    },
    handleSignal: (input, next) => (traced ? inbound.handleSignal(input, next) : next(input)),
    handleUpdate: (input, next) => (traced ? inbound.handleUpdate(input, next) : next(input)),
    validateUpdate: (input, next) => (traced ? inbound.validateUpdate(input, next) : next(input)),
    handleQuery: (input, next) => (traced ? inbound.handleQuery(input, next) : next(input)),
  };
  const outboundCalls: WorkflowOutboundCallsInterceptor = {
    scheduleActivity: (input, next) => (traced ? outbound.scheduleActivity(input, next) : next(input)),
    scheduleLocalActivity: (input, next) => (traced ? outbound.scheduleLocalActivity(input, next) : next(input)),
    startChildWorkflowExecution: (input, next) =>
      traced ? outbound.startChildWorkflowExecution(input, next) : next(input),
    continueAsNew: (input, next) => (traced ? outbound.continueAsNew(input, next) : next(input)),
    signalWorkflow: (input, next) => (traced ? outbound.signalWorkflow(input, next) : next(input)),
    getLogAttributes: (input, next) => (traced ? outbound.getLogAttributes(input, next) : next(input)),
  };
  const internalCalls: WorkflowInternalsInterceptor = {
    dispose: (input, next) => (traced ? internals.dispose(input, next) : next(input)),
  };
  return { inbound: [inboundCalls], outbound: [outboundCalls], internals: [internalCalls] };
};
