/**
 * Connection options for Temporal from the validated environment: address, API key, TLS.
 * Shared by the worker (NativeConnection) and the clients (Connection).
 */
import { readFileSync } from 'node:fs';
import type { Env } from './env';

/** Options accepted by both `Connection.connect` and `NativeConnection.connect`. */
export interface TemporalConnectionOptions {
  address: string;
  apiKey?: string;
  tls?: boolean | { clientCertPair?: { crt: Buffer; key: Buffer }; serverRootCACertificate?: Buffer };
}

/** Builds connection options; reads TLS files named by the env. */
export function temporalConnectionOptions(env: Env): TemporalConnectionOptions {
  const opts: TemporalConnectionOptions = { address: env.TEMPORAL_ADDRESS };
  if (env.TEMPORAL_API_KEY) opts.apiKey = env.TEMPORAL_API_KEY;
  if (env.TEMPORAL_TLS_CERT_PATH && env.TEMPORAL_TLS_KEY_PATH) {
    opts.tls = {
      clientCertPair: { crt: readFileSync(env.TEMPORAL_TLS_CERT_PATH), key: readFileSync(env.TEMPORAL_TLS_KEY_PATH) },
      ...(env.TEMPORAL_TLS_CA_PATH ? { serverRootCACertificate: readFileSync(env.TEMPORAL_TLS_CA_PATH) } : {}),
    };
  } else if (env.TEMPORAL_TLS || env.TEMPORAL_API_KEY) {
    opts.tls = true;
  }
  return opts;
}
