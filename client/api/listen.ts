/**
 * The API process's listening socket: binding it, saying where it listens, and closing it
 * gracefully on SIGINT/SIGTERM (no new connections, in-flight requests finish, then the Temporal
 * connection and tracing close). The app itself is built in `app.ts`.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type pino from 'pino';
import { stopTracing } from '../../config/tracing';
import { closeTemporalClient } from '../temporal';

/** How long shutdown waits for in-flight requests before closing their connections. */
const SHUTDOWN_GRACE_MS = 10_000;

/** Starts `app` on `host:port`. Resolves once it listens; rejects with the socket's error (e.g. EADDRINUSE). */
export async function listen(app: Express, host: string, port: number): Promise<Server> {
  const server = app.listen(port, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return server;
}

/** The URL a listening server answers on (IPv6 addresses in brackets). */
export function serverUrl(server: Server): string {
  const address = server.address() as AddressInfo;
  return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}

/** Closes the server gracefully: no new connections, in-flight requests finish (up to a grace period). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    force.unref();
    // Keep-alive connections become idle as their last request finishes; close them as they do,
    // rather than waiting out the keep-alive timeout.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    sweep.unref();
    server.close(() => {
      clearTimeout(force);
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * On the first SIGINT or SIGTERM (later ones are ignored): closes `server` gracefully, then the
 * Temporal connection and tracing, and exits 0.
 */
export function stopOnSignals(server: Server, logger: pino.Logger): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    await closeServer(server);
    await closeTemporalClient();
    await stopTracing();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
