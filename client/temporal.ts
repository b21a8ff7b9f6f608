/**
 * One lazily created Temporal Connection/Client per process, for the API and scripts.
 */
import { Client, Connection } from '@temporalio/client';
import type { Env } from '../config/env';
import { temporalConnectionOptions } from '../config/temporal';

let clientPromise: Promise<Client> | undefined;

/** The process-wide client, connecting on first use. A failed connect is retried on the next call. */
export function getTemporalClient(env: Env): Promise<Client> {
  if (!clientPromise) {
    clientPromise = Connection.connect(temporalConnectionOptions(env))
      .then((connection) => new Client({ connection, namespace: env.TEMPORAL_NAMESPACE }))
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
