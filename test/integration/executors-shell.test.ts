/**
 * The `shell` executor with real processes: first the activity on its own (MockActivityEnvironment),
 * then shell steps run end to end by the phase workflow on a real Temporal dev server.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { shellTask, OUTPUT_TAIL_BYTES } from '../../activities/shell';
import { readProcStat } from '../../activities/process-group';
import type { TaskFailureDetails, TaskInput, TaskResult } from '../../activities/types';
import type { ShellExecutor, MetricRule, PhasePlan } from '../../workflows/plan/schema';
import { stepOf } from '../helpers/status';
import { startRun } from '../../client/runs';
import { waitForOutcome, waitForStatus } from '../helpers/temporal';
import { env, useTemporal, worker } from '../helpers/fixture';

const dir = mkdtempSync(join(tmpdir(), 'phasegate-shell-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh activity environment (one per run: a cancelled one stays cancelled), quiet about expected failures. */
function mockEnv(): MockActivityEnvironment {
  return new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
}

let seq = 0;
function input(
  executor: Omit<ShellExecutor, 'kind'>,
  extra: Partial<TaskInput> & { metricRules?: Record<string, MetricRule> } = {},
): TaskInput {
  return {
    runId: 'run-shell-1',
    stepId: 'step',
    attempt: 1,
    purpose: 'run',
    metricRules: {},
    ...extra,
    executor: { kind: 'shell', ...executor },
  };
}
function pidFile(): string {
  return join(dir, `pids-${++seq}`);
}
function readPids(file: string): number[] {
  try {
    return readFileSync(file, 'utf8').split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
async function waitForPids(file: string, count: number, timeoutMs = 5_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = readPids(file);
    if (pids.length >= count) return pids;
    if (Date.now() > deadline) throw new Error(`only ${pids.length} of ${count} pids appeared in ${file}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
/**
 * True when `pid` is still a running process. `kill(pid, 0)` also succeeds for zombies — dead
 * processes not yet reaped, which happens to orphans in containers whose init never reaps — so a
 * zombie counts as gone.
 */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = readProcStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}
/** Runs the activity in `env`. */
function run(env: MockActivityEnvironment, task: TaskInput): Promise<TaskResult> {
  return env.run(shellTask, task) as Promise<TaskResult>;
}
/** Asserts that `p` rejects with an ApplicationFailure of `type`, and returns it. */
async function failure(
  p: Promise<unknown>,
  type: string,
): Promise<ApplicationFailure & { details: [TaskFailureDetails] }> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
    assert.equal(err.type, type, err.message);
    return err as ApplicationFailure & { details: [TaskFailureDetails] };
  }
  assert.fail(`expected a ${type} failure`);
}

describe('shellTask (activity)', () => {
  it('runs a script with cwd and env, reads ::metric lines and regex rules, and summarises', async () => {
    mkdirSync(join(dir, 'sub'), { recursive: true });
    const prev = process.env.PHASEGATE_WORKDIR;
    process.env.PHASEGATE_WORKDIR = dir;
    try {
      const env = mockEnv();
      const result = await run(
        env,
        input(
          {
            script: [
              'echo "cwd=$(pwd)"',
              'echo "ids=$PHASEGATE_RUN_ID|$PHASEGATE_STEP_ID|$PHASEGATE_ATTEMPT|$PHASEGATE_PURPOSE|$GREETING"',
              'echo "::metric warnings=3"',
              'echo "::metric ok=true"',
              'echo "::metric version=v1.2"',
              'echo "built in 12.5s"; echo "built in 7.25s"',
              'echo "coverage 81%" >&2',
              'echo "all done"',
              'echo "::metric warnings=4"',
            ].join('\n'),
            cwd: 'sub',
            env: { GREETING: 'hello' },
          },
          {
            attempt: 2,
            purpose: 'rollback',
            metricRules: {
              build_seconds: { regex: 'built in ([0-9.]+)s' },
              coverage: { from: 'stderr', regex: 'coverage (\\d+)%' },
              absent: { regex: 'never printed (\\d+)' },
              warnings: {},
            },
          },
        ),
      );
      assert.deepEqual(result.metrics, { warnings: 4, ok: true, version: 'v1.2', build_seconds: 7.25, coverage: 81 });
      assert.equal(result.exitCode, 0);
      assert.match(result.stdoutTail ?? '', new RegExp(`cwd=${join(dir, 'sub')}\n`));
      assert.match(result.stdoutTail ?? '', /ids=run-shell-1\|step\|2\|rollback\|hello\n/);
      assert.equal(result.stderrTail, 'coverage 81%\n');
      // The last non-empty line that is not a ::metric line.
      assert.match(result.summary ?? '', /^exit 0 in \d+(ms|\.\ds) — all done$/);
      assert.ok(result.durationMs >= 0);
    } finally {
      if (prev === undefined) delete process.env.PHASEGATE_WORKDIR;
      else process.env.PHASEGATE_WORKDIR = prev;
    }
  });

  it('runs command argv without a shell: metacharacters reach the program literally', async () => {
    const env = mockEnv();
    const result = await run(
      env,
      input({ command: [process.execPath, '-e', 'console.log(process.argv[1])', '$HOME; echo injected'] }),
    );
    assert.equal(result.stdoutTail, '$HOME; echo injected\n');
  });

  it('fails retryably with the exit code and last stderr line on a non-zero exit', async () => {
    const env = mockEnv();
    const err = await failure(
      run(env, input({ script: 'echo partial; echo "first problem" >&2; echo "disk full" >&2; exit 3' })),
      'ShellExitCode',
    );
    assert.equal(err.nonRetryable, false);
    assert.match(err.message, /exited with code 3: disk full$/);
    assert.equal(err.details[0].exitCode, 3);
    assert.equal(err.details[0].stdoutTail, 'partial\n');
    assert.equal(err.details[0].stderrTail, 'first problem\ndisk full\n');
  });

  it('fails for good on an exit code listed in nonRetryableExitCodes', async () => {
    const env = mockEnv();
    const err = await failure(run(env, input({ script: 'exit 3', nonRetryableExitCodes: [2, 3] })), 'ShellExitCode');
    assert.equal(err.nonRetryable, true);
    const other = await failure(
      run(mockEnv(), input({ script: 'exit 4', nonRetryableExitCodes: [2, 3] })),
      'ShellExitCode',
    );
    assert.equal(other.nonRetryable, false);
  });

  it('fails for good when the program or the working directory does not exist', async () => {
    const missing = await failure(
      run(mockEnv(), input({ command: ['phasegate-no-such-program-xyz', '--help'] })),
      'ShellSpawnError',
    );
    assert.equal(missing.nonRetryable, true);
    assert.match(missing.message, /phasegate-no-such-program-xyz: not found/);
    const noDir = await failure(
      run(mockEnv(), input({ command: ['true'], cwd: join(dir, 'no-such-dir') })),
      'ShellSpawnError',
    );
    assert.equal(noDir.nonRetryable, true);
    assert.match(noDir.message, /no-such-dir/);
  });

  it('on timeout kills the whole process group, SIGKILLing what ignores SIGTERM, and fails retryably', async () => {
    const pids = pidFile();
    const env = mockEnv();
    const started = Date.now();
    const err = await failure(
      run(
        env,
        input({
          script: [
            `echo $$ >> ${pids}`,
            `sleep 300 & echo $! >> ${pids}`,
            // A grandchild that ignores SIGTERM: only the SIGKILL after the grace period ends it.
            `bash -c 'trap "" TERM; sleep 300 & echo $! >> ${pids}; wait' & echo $! >> ${pids}`,
            'echo "working" >&2',
            'wait',
          ].join('\n'),
          timeout: '1s',
        }),
      ),
      'ShellTimeout',
    );
    const elapsed = Date.now() - started;
    assert.equal(err.nonRetryable, false);
    assert.match(err.message, /timed out after 1s; its process group was killed: working$/);
    assert.equal(err.details[0].stderrTail, 'working\n');
    const all = readPids(pids);
    assert.equal(all.length, 4, `pids: ${all.join(' ')}`);
    for (const pid of all) assert.equal(isRunning(pid), false, `pid ${pid} survived the timeout`);
    // 1s timeout + 2s grace for the TERM-ignoring process, with some slack.
    assert.ok(elapsed >= 2_900 && elapsed < 8_000, `took ${elapsed}ms`);
  });

  it('on cancellation kills the process group and rethrows the CancelledFailure', async () => {
    const pids = pidFile();
    const env = mockEnv();
    const running = run(
      env,
      input({ script: `echo $$ >> ${pids}; sleep 300 & echo $! >> ${pids}; sleep 300 & echo $! >> ${pids}; wait` }),
    );
    const all = await waitForPids(pids, 3);
    assert.ok(all.every(isRunning));
    const cancelledAt = Date.now();
    env.cancel();
    await assert.rejects(running, (err) => err instanceof CancelledFailure);
    assert.ok(Date.now() - cancelledAt < 2_000, 'cancellation took too long');
    for (const pid of all) assert.equal(isRunning(pid), false, `pid ${pid} survived the cancellation`);
  });

  it('kills background processes left behind when the command exits, without waiting for them', async () => {
    const pids = pidFile();
    const started = Date.now();
    const result = await run(mockEnv(), input({ script: `sleep 300 & echo $! >> ${pids}; echo started` }));
    assert.equal(result.exitCode, 0);
    assert.ok(Date.now() - started < 5_000);
    const [pid] = readPids(pids);
    assert.ok(pid !== undefined);
    assert.equal(isRunning(pid), false, 'the background sleep outlived its step');
  });

  it('heartbeats with the pid while the command runs', async () => {
    const env = mockEnv();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    await run(env, input({ script: 'sleep 1.3' }));
    assert.ok(beats.length >= 2, `only ${beats.length} heartbeats`);
    const last = beats.at(-1) as { pid: number; elapsedMs: number };
    assert.equal(typeof last.pid, 'number');
    assert.ok(last.elapsedMs >= 900);
  });

  it('keeps bounded output tails while ::metric lines anywhere in the output still count', async () => {
    const script =
      'echo "::metric early=1"; head -c 300000 /dev/zero | tr "\\0" "x"; echo; echo "tail line"; head -c 100000 /dev/zero | tr "\\0" "e" >&2';
    const result = await run(mockEnv(), input({ script }));
    assert.equal(result.metrics.early, 1);
    assert.equal(Buffer.byteLength(result.stdoutTail ?? ''), OUTPUT_TAIL_BYTES);
    assert.ok(result.stdoutTail?.endsWith('x\ntail line\n'));
    assert.equal(Buffer.byteLength(result.stderrTail ?? ''), OUTPUT_TAIL_BYTES);
  });
});

describe('shell steps through the phase workflow (dev server)', () => {
  // Only these tests need Temporal: the activity tests above run in a MockActivityEnvironment.
  useTemporal();

  it('puts ::metric lines and regex metrics into the step status', async () => {
    const plan: PhasePlan = {
      id: 'shell-metrics',
      steps: [
        {
          id: 'build',
          agent: 'cicd-engineer',
          run: {
            kind: 'shell',
            script:
              'echo "::metric warnings=7"; echo "::metric green=true"; echo "built in 41.2s"; echo "artifact ready"',
            timeout: '30s',
          },
          metrics: { build_seconds: { from: 'stdout', regex: 'built in ([0-9.]+)s' }, warnings: {}, green: {} },
        },
      ],
    };
    const handle = await startRun(env.client, plan, { taskQueue: worker.taskQueue });
    const s = await waitForOutcome(handle);
    assert.equal(s.outcome, 'succeeded', s.cause ?? '');
    const build = stepOf(s, 'build');
    assert.equal(build.state, 'succeeded');
    assert.equal(build.attempts, 1);
    assert.deepEqual(build.metrics, { warnings: 7, green: true, build_seconds: 41.2 });
    assert.match(build.summary ?? '', /^exit 0 in .* — artifact ready$/);
    assert.equal(build.output?.exitCode, 0);
    assert.match(build.output?.stdout ?? '', /artifact ready\n$/);
  });

  it('retries a failing command, then fails the run with the exit code', async () => {
    const plan: PhasePlan = {
      id: 'shell-exit',
      steps: [
        {
          id: 'flaky',
          run: { kind: 'shell', script: 'echo "attempt $PHASEGATE_ATTEMPT"; echo "tests failed" >&2; exit 3' },
          retry: { maximumAttempts: 2, initialInterval: '100ms' },
        },
      ],
    };
    const s = await waitForOutcome(await startRun(env.client, plan, { taskQueue: worker.taskQueue }));
    assert.equal(s.outcome, 'failed');
    const flaky = stepOf(s, 'flaky');
    assert.equal(flaky.attempts, 2);
    assert.equal(flaky.state, 'failed');
    assert.match(flaky.error ?? '', /exited with code 3: tests failed/);
    assert.equal(flaky.output?.exitCode, 3);
    assert.equal(flaky.output?.stdout, 'attempt 2\n');
    assert.match(s.cause ?? '', /flaky/);
  });

  it('does not retry an exit code listed in nonRetryableExitCodes', async () => {
    const plan: PhasePlan = {
      id: 'shell-permanent',
      steps: [
        {
          id: 'lint',
          run: { kind: 'shell', command: ['bash', '-c', 'exit 2'], nonRetryableExitCodes: [2] },
          retry: { maximumAttempts: 3, initialInterval: '100ms' },
        },
      ],
    };
    const s = await waitForOutcome(await startRun(env.client, plan, { taskQueue: worker.taskQueue }));
    assert.equal(s.outcome, 'failed');
    assert.equal(stepOf(s, 'lint').attempts, 1);
  });

  it("cancelling the run kills the running command's process group and runs shell rollbacks", async () => {
    const pids = pidFile();
    const undone = join(dir, `undone-${seq}`);
    const plan: PhasePlan = {
      id: 'shell-cancel',
      steps: [
        {
          id: 'prepare',
          run: { kind: 'shell', command: ['true'] },
          rollback: { kind: 'shell', script: `echo "$PHASEGATE_PURPOSE $PHASEGATE_STEP_ID" > ${undone}` },
        },
        {
          id: 'long',
          needs: ['prepare'],
          run: {
            kind: 'shell',
            script: `echo $$ >> ${pids}; sleep 300 & echo $! >> ${pids}; sleep 300 & echo $! >> ${pids}; wait`,
          },
        },
      ],
    };
    const handle = await startRun(env.client, plan, { taskQueue: worker.taskQueue });
    await waitForStatus(handle, (st) => stepOf(st, 'long').state === 'running');
    const running = await waitForPids(pids, 3, 15_000);
    assert.ok(running.every(isRunning));
    await handle.cancel();
    const s = await waitForOutcome(handle);
    assert.equal(s.outcome, 'cancelled');
    for (const pid of running) assert.equal(isRunning(pid), false, `pid ${pid} survived the cancelled run`);
    assert.deepEqual(
      s.compensations.map((c) => [c.step, c.state]),
      [['prepare', 'succeeded']],
    );
    assert.equal(readFileSync(undone, 'utf8'), 'rollback prepare\n');
  });
});
