/**
 * Experiment (not part of `npm run bench`): CPU profiles of the API process and of a worker
 * process (`workers/main.ts`, its workflow thread gets its own profile) during
 * - `starts`: a burst of `POST /api/runs` (10 in flight) of a one-step plan the worker runs;
 * - `decisions`: runs parked at a gate, decided one at a time through `POST /decisions`.
 * Each phase gets fresh processes, so each profile holds one kind of work. Profiles land in
 * `$PROFILE_DIR/<phase>/{api,worker}` (default /tmp/phasegate-prof); summarize them with
 * `npx tsx bench/experiments/cpuprofile-summary.ts <dir>/*.cpuprofile`.
 * Run: `npx tsx bench/experiments/profile.ts [starts|decisions] [count]`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRun } from '../../client/runs';
import { statusQuery } from '../../workflows/messages';
import { createTestEnv } from '../../test/helpers/temporal';
import { api, startApi, voteGo } from '../lib/harness';
import { decisionPlan, startPlan } from '../lib/plans';
import { delay, mapLimit, summarize } from '../lib/stats';
import { activityStartedMs } from '../lib/history';

const ROOT = join(__dirname, '..', '..');
const OUT = process.env.PROFILE_DIR ?? '/tmp/phasegate-prof';

/** `workers/main.ts` with `--cpu-prof` (not allowed in NODE_OPTIONS, so not via spawnWorker). */
async function startWorker(address: string, taskQueue: string, profDir: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '--import', 'tsx', join(ROOT, 'workers', 'main.ts')],
    {
      cwd: ROOT,
      env: { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: taskQueue },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  while (!out.includes('polling task queue')) {
    if (child.exitCode !== null) throw new Error(`worker exited:\n${out}`);
    await delay(100);
  }
  return child;
}

const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null ? r() : c.once('exit', () => r())));

async function main(): Promise<void> {
  const phases = process.argv[2] ? [process.argv[2]] : ['starts', 'decisions'];
  const count = Number(process.argv[3] ?? 0);
  const env = await createTestEnv();
  const plansDir = mkdtempSync(join(tmpdir(), 'phasegate-prof-plans-'));
  for (const p of [decisionPlan(), startPlan()]) writeFileSync(join(plansDir, `${p.id}.json`), JSON.stringify(p));
  try {
    for (const phase of phases) {
      const dir = join(OUT, phase);
      mkdirSync(join(dir, 'api'), { recursive: true });
      mkdirSync(join(dir, 'worker'), { recursive: true });
      const taskQueue = `prof-${randomUUID()}`;
      const worker = await startWorker(env.address, taskQueue, join(dir, 'worker'));
      const a = await startApi(env.address, taskQueue, plansDir, ['--cpu-prof', `--cpu-prof-dir=${join(dir, 'api')}`]);
      const t = performance.now();
      if (phase === 'starts') {
        const n = count || 1000;
        const lat = await mapLimit(
          Array.from({ length: n }, () => `prof-start-${randomUUID()}`),
          10,
          async (runId) => {
            const s = performance.now();
            const r = await api(a.url, 'POST', '/api/runs', { plan: 'bench-start', runId });
            if (r.status !== 201) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
            return performance.now() - s;
          },
        );
        console.log(`starts: ${n} in ${Math.round(performance.now() - t)} ms; latency`, summarize(lat));
      } else {
        const n = count || 150;
        const handles = await mapLimit(
          Array.from({ length: n }, () => `prof-decision-${randomUUID()}`),
          10,
          (id) => startRun(env.client, decisionPlan(), { taskQueue, runId: id }),
        );
        const rt: number[] = [];
        const fromReq: number[] = [];
        for (const h of handles) {
          for (;;) {
            const s = await h.query(statusQuery).catch(() => undefined);
            if (s?.gates[0]?.state === 'awaiting-approval') break;
            await delay(20);
          }
          const req = performance.timeOrigin + performance.now();
          const r = await voteGo(a.url, h.workflowId);
          rt.push(performance.timeOrigin + performance.now() - req);
          if (r.status !== 200) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
          await h.result();
          fromReq.push((await activityStartedMs(env.client, h.workflowId, 'next')) - req);
        }
        console.log('decisions: round trip', summarize(rt), '\nfrom request to next started', summarize(fromReq));
      }
      a.child.kill('SIGTERM');
      worker.kill('SIGTERM');
      await Promise.all([exited(a.child), exited(worker)]);
      console.log(`${phase}: profiles in ${dir}`);
    }
  } finally {
    await env.teardown();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
