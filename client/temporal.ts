/**
 * One lazily created Temporal Connection/Client per process, for the API and scripts. With
 * `PHASEGATE_OTEL=true` the client traces what it sends (starts, updates, signals, queries) and
 * passes the trace context to the workflows in their headers.
 */
import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { Env } from '../config/env';
import { temporalConnectionOptions } from '../config/temporal';
import { startTracing } from '../config/tracing';

let clientPromise: Promise<Client> | undefined;

/** The process-wide client, connecting on first use. A failed connect is retried on the next call. */
export function getTemporalClient(env: Env): Promise<Client> {
  if (!clientPromise) {
    clientPromise = Connection.connect(temporalConnectionOptions(env))
      .then((connection) => {
        if (!env.PHASEGATE_OTEL) return new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
        startTracing('phasegate-api', env);
        return new Client({
          connection,
          namespace: env.TEMPORAL_NAMESPACE,
          interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
        });
      })
      .catch((err: unknown) => {
        clientPromise = undefined;
        throw err;
      });
  }
  return clientPromise;
}

/** Closes the process-wide connection, if any. */
export async function closeTemporalClient(): Promise<void> {
  const pending = clientPromise;
  clientPromise = undefined;
  if (pending) await (await pending.catch(() => undefined))?.connection.close();
}
