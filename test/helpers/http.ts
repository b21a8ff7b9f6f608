/** Serving an Express app on an ephemeral loopback port for tests. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A listening test server: its base URL and a `close()` that waits for it. */
export interface LoopbackServer {
  server: Server;
  base: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 with a port the OS picks; resolves once it accepts connections. */
export async function listenOnLoopback(app: { listen(port: number, host: string): Server }): Promise<LoopbackServer> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    server,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
