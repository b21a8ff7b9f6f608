/**
 * Experiment (not part of `npm run bench`): CPU per `POST /api/runs` spent in the API's own layers
 * (HTTP, Express, middleware, route), in one process, so no other process's CPU is counted:
 * - `real` (default): the app on a dev server's client, reached by a keep-alive `node:http` client,
 *   against `startRun` on the same client (what the direct side of `apiStart` does);
 * - `fake`: the same app on a client whose `workflow.start` resolves at once (the layers alone,
 *   with no request in flight longer than a tick).
 * Run: `npx tsx bench/experiments/api-layers.ts [real|fake]`.
 */
import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Client } from '@temporalio/client';
import { createApp } from '../../client/api/app';
import { createApiLogger } from '../../client/api/logging';
import { startRun } from '../../client/runs';
import { createTestEnv } from '../../test/helpers/temporal';
import { startPlan } from '../lib/plans';

const IN_FLIGHT = 10;
const plan = startPlan();
let seq = 0;
const nextId = (side: string) => `layers-${side}-${process.pid}-${seq++}-${'x'.repeat(24)}`;

/** A client whose start resolves at once: only for the `fake` mode's layer cost. */
const instantClient = {
  options: { namespace: 'default' },
  withDeadline: <T>(_deadline: Date, fn: () => Promise<T>) => fn(),
  workflow: { start: (_type: string, o: { workflowId: string }) => Promise.resolve({ workflowId: o.workflowId }) },
} as unknown as Client;

/** CPU ms of this process per call of `fn`, `n` calls with {@link IN_FLIGHT} in flight. */
async function cpuPerCall(n: number, fn: () => Promise<void>): Promise<number> {
  const before = process.cpuUsage();
  let i = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (i++ < n) await fn();
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / n;
}

function post(port: number, agent: http.Agent): Promise<void> {
  const body = JSON.stringify({ plan: plan.id, runId: nextId('api') });
  const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/api/runs', method: 'POST', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function main(): Promise<void> {
  const mode = process.argv[2] === 'fake' ? 'fake' : 'real';
  const env = mode === 'real' ? await createTestEnv() : undefined;
  const client = env?.client ?? instantClient;
  const plansDir = mkdtempSync(join(tmpdir(), 'layers-plans-'));
  writeFileSync(join(plansDir, `${plan.id}.json`), JSON.stringify(plan));
  // The API's own logger, writing to /dev/null: its cost counts, a terminal's does not.
  const logger = createApiLogger('info', pino.destination({ dest: '/dev/null', sync: false, minLength: 4096 }));
  const app = createApp({ client, taskQueue: 'layers', plansDir, logger, rateLimit: '1000000/10s' });
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const viaApp = () => post(port, agent);
  const direct = () => startRun(client, plan, { taskQueue: 'layers', runId: nextId('direct') }).then(() => undefined);
  await cpuPerCall(300, viaApp); // warm-up
  await cpuPerCall(300, direct);
  for (let round = 0; round < 3; round++) {
    const app = await cpuPerCall(1000, viaApp);
    const bare = await cpuPerCall(1000, direct);
    console.log(
      `${mode} round ${round + 1}: via the app ${app.toFixed(3)} ms, startRun ${bare.toFixed(3)} ms CPU per start`,
    );
  }
  server.close();
  agent.destroy();
  await env?.teardown();
}

void main();
