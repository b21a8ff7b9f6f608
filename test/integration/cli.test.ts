/**
 * The `phase` CLI as users run it: real child processes (`node bin/phase.js …`) against the real
 * API, a real worker and a Temporal dev server. Output shapes (`--json`), human tables, exit codes
 * (0 ok, 1 run failed/rejected, 2 usage, 3 not found/conflict, 4 server/unreachable, 5 refused: 401/403), and `phase agent --once`
 * completing a real `agent` task with metrics parsed from the command's stdout.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RunStatus } from '../../workflows/status';
import { waitForOutcome, waitForStatus } from '../helpers/temporal';
import { base, env, securedBase, tempDir, useApi } from '../helpers/fixture';

const ROOT = resolve(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'phase.js');

const PLANS = {
  'cli-quick': {
    id: 'cli-quick',
    title: 'Quick',
    steps: [{ id: 'only', agent: 'ci', run: { kind: 'simulate', duration: '200ms', metrics: { speed: 3 } } }],
  },
  'cli-fail': {
    id: 'cli-fail',
    steps: [
      { id: 'broken', run: { kind: 'simulate', duration: '100ms', failAttempts: 9 }, retry: { maximumAttempts: 1 } },
    ],
  },
  'cli-approval': {
    id: 'cli-approval',
    title: 'Needs a vote',
    steps: [
      { id: 'build', run: { kind: 'simulate', duration: '200ms' } },
      { id: 'release', gate: { needs: ['build'], approval: { approvers: ['alice', 'bob'], quorum: 1 } } },
    ],
  },
  'cli-agent': {
    id: 'cli-agent',
    steps: [
      {
        id: 'code',
        title: 'Write the code',
        agent: 'coder',
        run: { kind: 'agent', instructions: 'implement it' },
        heartbeat: '1s',
        retry: { maximumAttempts: 1 },
        metrics: { tests_passed: {}, verdict: {} },
      },
      { id: 'check', gate: { needs: ['code'], checks: [{ metric: 'code.tests_passed', op: '>=', value: 40 }] } },
    ],
  },
  'cli-slow': { id: 'cli-slow', steps: [{ id: 'long', run: { kind: 'simulate', duration: '5m' } }] },
  'cli-hold': {
    id: 'cli-hold',
    steps: [
      {
        id: 'flaky',
        run: { kind: 'simulate', duration: '100ms', failAttempts: 99 },
        retry: { maximumAttempts: 1 },
        onFailure: 'hold',
      },
    ],
  },
};

useApi({ plans: PLANS, secured: { 'cli-alice-token': { identity: 'alice', roles: ['approver', 'operator'] } } });

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `phase …` as a child process against the test API. */
function phase(args: string[], opts: { apiUrl?: string; token?: string; timeoutMs?: number } = {}): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, PHASEGATE_URL: opts.apiUrl ?? base, NO_COLOR: '1' };
    delete childEnv.PHASEGATE_TOKEN;
    delete childEnv.PHASEGATE_APPROVER;
    if (opts.token) childEnv.PHASEGATE_TOKEN = opts.token;
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`phase ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

function json<T>(r: Result): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\nstderr: ${r.stderr}`);
  }
}

async function startViaCli(plan: string): Promise<string> {
  const r = await phase(['start', plan, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return json<{ runId: string }>(r).runId;
}

const handle = (runId: string) => env.client.workflow.getHandle(runId);

describe('phase validate (local)', () => {
  it('exits 0 for a valid file, 1 naming the paths of an invalid one, 2 for a missing file', async () => {
    const good = join(tempDir, 'good.yaml');
    writeFileSync(good, 'id: good\nsteps:\n  - id: a\n    run: { kind: simulate, duration: 10ms }\n');
    const bad = join(tempDir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ id: 'bad', steps: [{ id: 'a', needs: ['nope'], run: { kind: 'simulate' } }] }));

    const ok = await phase(['validate', good]);
    assert.equal(ok.code, 0);
    assert.match(ok.stdout, /valid phase plan "good" \(1 steps\)/);
    const okJson = await phase(['validate', good, '--json']);
    assert.equal(json<{ ok: boolean; plan: { id: string } }>(okJson).plan.id, 'good');

    const ko = await phase(['validate', bad]);
    assert.equal(ko.code, 1);
    assert.match(ko.stdout, /steps\[0\]\.needs\[0\]: needs "nope"/);
    const koJson = json<{ ok: boolean; errors: { path: string }[] }>(await phase(['validate', bad, '--json']));
    assert.deepEqual(
      koJson.errors.map((e) => e.path),
      ['steps[0].needs[0]'],
    );

    const missing = await phase(['validate', join(tempDir, 'missing.yaml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read/);
  });
});

describe('runs through the CLI', () => {
  it('lists plans, starts a run, shows its status (--json and a table), lists runs, and exits by the outcome with start --wait', async () => {
    const plans = json<{ id: string }[]>(await phase(['plans', '--json']));
    assert.deepEqual(plans.map((p) => p.id).sort(), Object.keys(PLANS).sort());

    const started = await phase(['start', 'cli-quick', '--run-id', `cli-quick-${Date.now()}`]);
    assert.equal(started.code, 0, started.stderr);
    const runId = /started (\S+)/.exec(started.stdout)?.[1] ?? '';
    assert.match(runId, /^cli-quick-\d+$/);
    assert.match(started.stdout, /namespaces\/default\/workflows\//);
    await waitForOutcome(handle(runId));

    const status = await phase(['status', runId, '--json']);
    assert.equal(status.code, 0);
    const s = json<RunStatus>(status);
    assert.equal(s.runId, runId);
    assert.equal(s.plan, 'cli-quick');
    assert.equal(s.outcome, 'succeeded');
    for (const key of ['runId', 'plan', 'title', 'state', 'outcome', 'steps', 'gates', 'compensations', 'escalations'])
      assert.ok(key in s, `status has ${key}`);
    assert.deepEqual(
      s.steps.map((t) => [t.id, t.type, t.agent, t.state, t.attempts, t.metrics]),
      [['only', 'task', 'ci', 'succeeded', 1, { speed: 3 }]],
    );

    const human = await phase(['status', runId]);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /only/);
    assert.match(human.stdout, /succeeded/);
    assert.match(human.stdout, /speed=3/);

    const list = json<{ runs: { runId: string; state: string }[] }>(
      await phase(['list', '--plan', 'cli-quick', '--json']),
    );
    assert.ok(list.runs.some((r) => r.runId === runId && r.state === 'succeeded'));
    const table = await phase(['list', '--state', 'succeeded']);
    assert.equal(table.code, 0);
    assert.ok(table.stdout.includes(runId));

    const waited = await phase(['start', 'cli-quick', '--wait', '--json', '--interval', '200ms']);
    assert.equal(waited.code, 0, waited.stderr);
    assert.equal(json<RunStatus>(waited).outcome, 'succeeded');
    const failed = await phase(['start', 'cli-fail', '--wait', '--interval', '200ms']);
    assert.equal(failed.code, 1, 'a failed run exits 1');
    assert.match(failed.stdout, /failed/);
  });

  it('starts a plan from a file, and exits 3 for an unknown plan or a taken run id and 2 for an invalid file', async () => {
    const file = join(tempDir, 'from-file.yaml');
    writeFileSync(file, 'id: from-file\nsteps:\n  - id: a\n    run: { kind: simulate, duration: 100ms }\n');
    const runId = json<{ runId: string }>(await phase(['start', file, '--json'])).runId;
    assert.match(runId, /^from-file-/);
    assert.equal((await waitForOutcome(handle(runId))).outcome, 'succeeded');

    const unknown = await phase(['start', 'no-such-plan']);
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /unknown plan "no-such-plan"/);
    const invalid = join(tempDir, 'invalid.yaml');
    writeFileSync(invalid, 'id: invalid\nsteps: []\n');
    assert.equal((await phase(['start', invalid])).code, 2);
    const taken = await phase(['start', 'cli-quick', '--run-id', runId, '--json']);
    assert.equal(taken.code, 3);
    assert.match(json<{ error: string }>(taken).error, /already taken/);
  });

  it('status --watch follows a run to its end; --exit-status reports failures', async () => {
    const runId = await startViaCli('cli-quick');
    const watched = await phase(['status', runId, '--watch', '--interval', '200ms']);
    assert.equal(watched.code, 0, watched.stderr);
    assert.match(watched.stdout, /outcome succeeded/);

    const failedRun = await startViaCli('cli-fail');
    const watchedFail = await phase(['status', failedRun, '--watch', '--interval', '200ms', '--exit-status', '--json']);
    assert.equal(watchedFail.code, 1);
    const lines = watchedFail.stdout.trim().split('\n');
    assert.equal(
      (JSON.parse(lines[lines.length - 1] as string) as RunStatus).outcome,
      'failed',
      'one JSON line per change, the last one final',
    );
    assert.equal((await phase(['status', 'no-such-run'])).code, 3);
  });

  it('approves and rejects gates, exiting 3 for a second vote and 5 for someone who is not an approver', async () => {
    const runId = await startViaCli('cli-approval');
    await waitForStatus(handle(runId), (s) => s.state === 'awaiting-approval');
    const vote = await phase(['approve', runId, 'release', '--approver', 'alice', '--comment', 'ship it', '--json']);
    assert.equal(vote.code, 0, vote.stderr);
    const gate = json<{ state: string; votes: { approver: string; comment: string }[] }>(vote);
    assert.equal(gate.state, 'go');
    assert.deepEqual(
      gate.votes.map((v) => [v.approver, v.comment]),
      [['alice', 'ship it']],
    );
    assert.equal((await phase(['approve', runId, 'release', '--approver', 'alice'])).code, 3);
    assert.equal((await waitForOutcome(handle(runId))).outcome, 'succeeded');

    const second = await startViaCli('cli-approval');
    await waitForStatus(handle(second), (s) => s.state === 'awaiting-approval');
    const notApprover = await phase(['reject', second, 'release', '--approver', 'mallory']);
    assert.equal(notApprover.code, 5, '403 from the run: refused, not unreachable');
    assert.match(notApprover.stderr, /not an approver/);
    const rejected = await phase(['reject', second, 'release', '--approver', 'bob', '--comment', 'not yet']);
    assert.equal(rejected.code, 0, rejected.stderr);
    assert.match(rejected.stdout, /no-go/);
    await waitForOutcome(handle(second));
    const status = await phase(['status', second, '--exit-status']);
    assert.equal(status.code, 1, 'a rejected run with --exit-status exits 1');
    assert.match(status.stdout, /rejected/);
    assert.match(status.stdout, /bob/);
  });

  it('approve with a token: the vote is the token identity', async () => {
    const runId = json<{ runId: string }>(
      await phase(['start', 'cli-approval', '--json'], { apiUrl: securedBase, token: 'cli-alice-token' }),
    ).runId;
    await waitForStatus(handle(runId), (s) => s.state === 'awaiting-approval');
    const noToken = await phase(['approve', runId, 'release'], { apiUrl: securedBase });
    assert.equal(noToken.code, 5, '401: refused, not unreachable');
    const vote = await phase(['approve', runId, 'release', '--json'], {
      apiUrl: securedBase,
      token: 'cli-alice-token',
    });
    assert.equal(vote.code, 0, vote.stderr);
    assert.equal(json<{ votes: { approver: string }[] }>(vote).votes[0]?.approver, 'alice');
    await waitForOutcome(handle(runId));
  });

  it('cancels a run and retries and skips a held task, exiting 3 once the run has ended', async () => {
    const slow = await startViaCli('cli-slow');
    await waitForStatus(handle(slow), (s) => s.steps[0]?.state === 'running');
    const cancelled = await phase(['cancel', slow]);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.equal((await waitForOutcome(handle(slow))).outcome, 'cancelled');
    assert.equal((await phase(['cancel', slow])).code, 3, 'already ended');

    const held = await startViaCli('cli-hold');
    await waitForStatus(handle(held), (s) => s.state === 'held');
    const retried = await phase(['retry', held, 'flaky']);
    assert.equal(retried.code, 0, retried.stderr);
    await waitForStatus(handle(held), (s) => s.state === 'held' && (s.steps[0]?.attempts ?? 0) >= 2);
    assert.equal((await phase(['skip', held, 'flaky'])).code, 0);
    assert.equal((await waitForOutcome(handle(held))).outcome, 'succeeded');
    assert.equal((await phase(['retry', held, 'flaky'])).code, 3);
  });
});

describe('phase agent', () => {
  const SCRIPT = [
    "let d='';",
    "process.stdin.on('data',(c)=>d+=c).on('end',()=>{",
    '  const t=JSON.parse(d);',
    "  console.log('working on '+t.stepId+' attempt '+t.attempt+': '+t.instructions);",
    "  console.log('::metric tests_passed=42');",
    "  console.log('::metric verdict=green');",
    // Outlive two heartbeat timeouts of the plan (1s): only heartbeats keep the attempt alive.
    "  setTimeout(()=>console.log('all good for '+t.runId), 2500);",
    '});',
  ].join('\n');

  it('--once claims a real agent task, heartbeats, completes it with metrics and a summary', async () => {
    const runId = await startViaCli('cli-agent');
    await waitForStatus(handle(runId), (s) => s.steps[0]?.agentTask != null);
    const tasks = json<{ runId: string; stepId: string }[]>(await phase(['tasks', 'coder', '--json']));
    assert.ok(tasks.some((t) => t.runId === runId && t.stepId === 'code'));

    const r = await phase([
      'agent',
      'coder',
      '--once',
      '--poll',
      '200ms',
      '--heartbeat',
      '300ms',
      '--',
      process.execPath,
      '-e',
      SCRIPT,
    ]);
    assert.equal(r.code, 0, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    assert.match(r.stdout, /working on code attempt 1: implement it/, 'the task JSON reached the command on stdin');
    assert.match(
      r.stderr,
      /leased .*code \(attempt 1\) as coder \[[^\]]+\/\d+\], lease /,
      'the default label is <host>/<pid>',
    );
    assert.match(r.stderr, /completed/);
    const final = await waitForOutcome(handle(runId));
    assert.equal(final.outcome, 'succeeded');
    const code = final.steps[0];
    assert.deepEqual(code?.metrics, { tests_passed: 42, verdict: 'green' });
    assert.equal(code?.summary, `all good for ${runId}`);
    assert.equal(code?.attemptHistory[0]?.claimedBy, 'coder');
  });

  it('a failing command fails the attempt (exit 1), with its stderr in the reason; --json emits events', async () => {
    const runId = await startViaCli('cli-agent');
    await waitForStatus(handle(runId), (s) => s.steps[0]?.agentTask != null);
    const r = await phase([
      'agent',
      'coder',
      '--once',
      '--json',
      '--poll',
      '200ms',
      '--',
      process.execPath,
      '-e',
      "console.error('compiler exploded'); process.exit(3)",
    ]);
    assert.equal(r.code, 1, r.stderr);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; reason?: string });
    assert.deepEqual(
      events.map((e) => e.event).filter((e) => e !== 'waiting'),
      ['claimed', 'failed'],
    );
    assert.match(events.find((e) => e.event === 'failed')?.reason ?? '', /exited with code 3: compiler exploded/);
    const final = await waitForOutcome(handle(runId));
    assert.equal(final.outcome, 'failed');
    assert.match(final.steps[0]?.error ?? '', /compiler exploded/);
  });
});

describe('agent idle timeout', () => {
  it('phase agent --idle-timeout gives up with exit 3 when no task comes', async () => {
    const started = Date.now();
    const r = await phase([
      'agent',
      'nobody-has-tasks-for-me',
      '--once',
      '--poll',
      '200ms',
      '--idle-timeout',
      '1s',
      '--',
      'true',
    ]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /no nobody-has-tasks-for-me task within 1s: giving up/);
    assert.ok(Date.now() - started < 20_000);
  });
});

describe('usage and connection errors', () => {
  it('exits 2 for usage errors and 4 when the API cannot be reached', async () => {
    assert.equal((await phase(['frobnicate'])).code, 2);
    assert.equal((await phase(['status'])).code, 2, 'missing argument');
    assert.equal((await phase(['status', 'x', '--bogus'])).code, 2, 'unknown option');
    const badPoll = await phase(['agent', 'coder', '--poll', 'soon', '--', 'true']);
    assert.equal(badPoll.code, 2);
    assert.match(badPoll.stderr, /--poll/);
    const help = await phase(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /agent \[options\] <name> <command\.\.\.>/);
    const down = await phase(['status', 'x'], { apiUrl: 'http://127.0.0.1:9' });
    assert.equal(down.code, 4);
    assert.match(down.stderr, /cannot reach the Phasegate API/);
  });
});
