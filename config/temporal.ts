/**
 * Connection options for Temporal from the validated environment: address, API key, TLS.
 * Shared by the worker (NativeConnection) and the clients (Connection).
 */
import { readFileSync } from 'node:fs';
import type { Env } from './env';

/** The TLS part of the options: `true` for system roots and no client certificate. */
export interface TemporalTlsOptions {
  clientCertPair?: { crt: Buffer; key: Buffer };
  serverRootCACertificate?: Buffer;
  serverNameOverride?: string;
}

/** Options accepted by both `Connection.connect` and `NativeConnection.connect`. */
export interface TemporalConnectionOptions {
  address: string;
  apiKey?: string;
  tls?: boolean | TemporalTlsOptions;
}

/**
 * Builds connection options; reads TLS files named by the env. Any TLS setting (client certificate,
 * CA, server name) or an API key turns TLS on: an API key must never travel in clear text, and a
 * CA or server name only means something with TLS. `parseEnv` refuses these with `TEMPORAL_TLS=false`.
 */
export function temporalConnectionOptions(env: Env): TemporalConnectionOptions {
  const opts: TemporalConnectionOptions = { address: env.TEMPORAL_ADDRESS };
  if (env.TEMPORAL_API_KEY) opts.apiKey = env.TEMPORAL_API_KEY;
  const tls: TemporalTlsOptions = {
    ...(env.TEMPORAL_TLS_CERT_PATH && env.TEMPORAL_TLS_KEY_PATH
      ? {
          clientCertPair: {
            crt: readFileSync(env.TEMPORAL_TLS_CERT_PATH),
            key: readFileSync(env.TEMPORAL_TLS_KEY_PATH),
          },
        }
      : {}),
    ...(env.TEMPORAL_TLS_CA_PATH ? { serverRootCACertificate: readFileSync(env.TEMPORAL_TLS_CA_PATH) } : {}),
    ...(env.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME } : {}),
  };
  if (Object.keys(tls).length > 0) opts.tls = tls;
  else if (env.TEMPORAL_TLS || env.TEMPORAL_API_KEY) opts.tls = true;
  return opts;
}
