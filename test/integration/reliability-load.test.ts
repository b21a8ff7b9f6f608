/**
 * Load and API restarts through the real API process boundary:
 * - 200 concurrent runs of the phase-7 seed plan, approved through the API by a concurrent client:
 *   every run succeeds, every decision counts, no 5xx.
 * - The API process killed mid-run and restarted: nothing is lost (it keeps no state of its own).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Server } from 'node:http';
import pino from 'pino';
import { env, useTemporal, worker } from '../helpers/fixture';
import { listenOnLoopback } from '../helpers/http';
import { freePort, until } from '../helpers/processes';
import { createApp } from '../../client/api/app';
import type { RunStatus } from '../../workflows/status';

const ROOT = join(__dirname, '..', '..');
useTemporal();

interface Reply {
  status: number;
  body: Record<string, unknown>;
}
async function call(base: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Reply> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined && method === 'GET' ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

describe('load', () => {
  let server: Server;
  let base: string;
  before(async () => {
    const app = createApp({
      client: env.client,
      taskQueue: worker.taskQueue,
      plansDir: join(ROOT, 'plans'),
      uiUrl: 'http://localhost:8233',
      logger: pino({ level: 'silent' }),
    });
    ({ server, base } = await listenOnLoopback(app));
  });
  after(async () => {
    await new Promise((r) => server?.close(r));
  });

  it('200 concurrent seed-plan runs approved through the API: all succeed, no decision lost, no 5xx', async () => {
    const N = 200;
    const statuses: number[] = [];
    const record = (r: Reply) => (statuses.push(r.status), r);
    const runIds = Array.from({ length: N }, (_, i) => `load-${i}`);
    await pool(runIds, 20, async (runId) => {
      const r = record(await call(base, 'POST', '/api/runs', { plan: 'phase-7-release', runId }));
      assert.equal(r.status, 201, JSON.stringify(r.body));
    });

    // The approver: lists runs awaiting approval, votes go once per run, until every run has voted.
    const voted = new Map<string, string>();
    const deadline = Date.now() + 240_000;
    while (voted.size < N && Date.now() < deadline) {
      const list = record(await call(base, 'GET', '/api/runs?awaitingApproval=true&plan=phase-7-release&pageSize=200'));
      assert.equal(list.status, 200);
      const waiting = (list.body.runs as { runId: string }[])
        .map((r) => r.runId)
        .filter((id) => id.startsWith('load-') && !voted.has(id));
      await pool(waiting, 20, async (runId) => {
        const r = record(
          await call(base, 'POST', `/api/runs/${runId}/decisions`, {
            gate: 'release-gate',
            decision: 'go',
            approver: 'release-manager',
            comment: `load ${runId}`,
          }),
        );
        // 409 only if visibility lagged behind a vote we already made; never for a first vote.
        assert.equal(r.status, 200, `${runId}: ${JSON.stringify(r.body)}`);
        voted.set(runId, (r.body as { state: string }).state);
      });
      if (voted.size < N) await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(voted.size, N, `voted on ${voted.size}/${N} runs`);

    const finals = new Map<string, RunStatus>();
    await until(
      async () => {
        const pending = runIds.filter((id) => !finals.has(id));
        await pool(pending, 20, async (runId) => {
          const r = record(await call(base, 'GET', `/api/runs/${runId}`));
          const s = r.body as unknown as RunStatus;
          if (r.status === 200 && s.outcome) finals.set(runId, s);
        });
        return finals.size === N;
      },
      240_000,
      'every run to finish',
    );
    for (const [runId, s] of finals) {
      assert.equal(s.outcome, 'succeeded', `${runId}: ${s.cause}`);
      const votes = s.gates.find((g) => g.id === 'release-gate')?.votes ?? [];
      assert.deepEqual(
        votes.map((v) => [v.approver, v.comment]),
        [['release-manager', `load ${runId}`]],
        `${runId}: the decision counted exactly once`,
      );
    }
    assert.equal(statuses.filter((s) => s >= 500).length, 0, 'no 5xx');
  });
});

describe('API restarts', () => {
  let api: ChildProcess | undefined;
  const startApi = async (port: number): Promise<ChildProcess> => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'client', 'api', 'server.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_TASK_QUEUE: worker.taskQueue,
        PORT: String(port),
        HOST: '127.0.0.1',
        PHASEGATE_TOKENS: '',
        LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
    });
    await until(
      async () =>
        await fetch(`http://127.0.0.1:${port}/healthz`)
          .then((r) => r.ok)
          .catch(() => false),
      30_000,
      'the API to answer',
    );
    return child;
  };
  after(() => {
    api?.kill('SIGKILL');
  });

  it('an API killed mid-run and restarted loses nothing: the run, its gate and the decision after the restart', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    api = await startApi(port);
    const started = await call(base, 'POST', '/api/runs', { plan: 'demo-approval', runId: 'api-restart' });
    assert.equal(started.status, 201);
    await until(
      async () =>
        ((await call(base, 'GET', '/api/runs/api-restart')).body as unknown as RunStatus).state === 'awaiting-approval',
      60_000,
      'the gate',
    );
    api.kill('SIGKILL');
    await new Promise((r) => api?.once('exit', r));
    api = await startApi(port);
    const status = (await call(base, 'GET', '/api/runs/api-restart')).body as unknown as RunStatus;
    assert.equal(status.state, 'awaiting-approval');
    const gate = status.gates.find((g) => g.state === 'awaiting-approval');
    assert.ok(gate);
    const vote = await call(base, 'POST', '/api/runs/api-restart/decisions', {
      gate: gate.id,
      decision: 'go',
      approver: gate.approvers[0],
      comment: 'after the API restart',
    });
    assert.equal(vote.status, 200, JSON.stringify(vote.body));
    await until(
      async () =>
        ((await call(base, 'GET', '/api/runs/api-restart')).body as unknown as RunStatus).outcome === 'succeeded',
      60_000,
      'the run to succeed',
    );
  });
});
