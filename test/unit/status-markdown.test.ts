/** `renderMarkdown`: the run's progress table shown as the workflow's current details in the Temporal UI. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderMarkdown } from '../../workflows/status-markdown';
import type { GateStatus, RunStatus, StepStatus } from '../../workflows/status';

// describe()/it() return promises that node:test itself awaits; `void` says so to the linter.

const STEP_HEADER = ['| step | agent | state | attempts | details |', '|---|---|---|---|---|'];
const VOTES_HEADER = ['| gate | approver | decision | comment | at |', '|---|---|---|---|---|'];

function taskStatus(id: string, over: Partial<StepStatus> = {}): StepStatus {
  return {
    id,
    type: 'task',
    executor: 'simulate',
    needs: [],
    state: 'pending',
    attempts: 0,
    startedAt: null,
    endedAt: null,
    metrics: {},
    error: null,
    attemptHistory: [],
    ...over,
  };
}
function gateStatus(id: string, over: Partial<GateStatus> = {}): GateStatus {
  return {
    id,
    type: 'gate',
    needs: [],
    state: 'pending',
    checks: [],
    votes: [],
    quorum: 1,
    approvers: [],
    startedAt: null,
    endedAt: null,
    ...over,
  };
}
function runStatus(over: Partial<RunStatus> = {}): RunStatus {
  return {
    runId: 'phase-7-release-2f9c',
    plan: 'phase-7-release',
    title: 'Phase 7 – Release readiness',
    kind: 'phase',
    state: 'running',
    outcome: null,
    cause: null,
    startedAt: '2026-01-13T22:00:00.000Z',
    endedAt: null,
    steps: [],
    gates: [],
    compensations: [],
    escalations: [],
    events: [],
    ...over,
  };
}
const lines = (s: RunStatus) => renderMarkdown(s).split('\n');
/** Table rows whose first cell is `first`. */
const rowsFor = (s: RunStatus, first: string) => lines(s).filter((l) => l.startsWith(`| ${first} |`));

void describe('renderMarkdown: header', () => {
  void it('names title, plan and state', () => {
    assert.equal(lines(runStatus())[0], '**Phase 7 – Release readiness** (`phase-7-release`) · state **running**');
  });

  void it('adds the outcome and the cause once the run has ended', () => {
    const out = lines(runStatus({ state: 'failed', outcome: 'failed', cause: 'step build failed after 3 attempts' }));
    assert.equal(out[0], '**Phase 7 – Release readiness** (`phase-7-release`) · state **failed** · outcome **failed**');
    assert.deepEqual(out.slice(1, 3), ['', 'Cause: step build failed after 3 attempts']);
  });

  void it('has no step table when there are no steps or gates', () => {
    assert.equal(renderMarkdown(runStatus()).includes('| step |'), false);
  });
});

void describe('renderMarkdown: steps and gates', () => {
  const status = runStatus({
    state: 'awaiting-approval',
    steps: [
      taskStatus('build-infra', {
        agent: 'cicd-engineer',
        state: 'succeeded',
        attempts: 1,
        metrics: { build_seconds: 41.2, cached: true },
      }),
      taskStatus('code-quality', {
        agent: 'reviewer',
        state: 'running',
        attempts: 2,
        agentTask: { attempt: 2, claimedBy: 'session-7', claimedAt: null, lastHeartbeatAt: null },
      }),
      taskStatus('release-prep', { agent: 'planner' }),
    ],
    gates: [
      gateStatus('release-gate', {
        state: 'awaiting-approval',
        quorum: 2,
        approvers: ['release-manager', 'cto'],
        checks: [
          { metric: 'code-quality.clippy_warnings', op: '<', value: 20, actual: 12, passed: true },
          { metric: 'code-quality.tests_passed_ratio', op: '>=', value: 0.95, actual: null, passed: false },
        ],
        votes: [{ approver: 'cto', decision: 'go', comment: 'ship it', at: '2026-01-13T23:00:00.000Z' }],
      }),
    ],
  });

  void it('renders one row per step and gate, in order, after the table header', () => {
    const out = lines(status);
    const start = out.indexOf(STEP_HEADER[0] as string);
    assert.ok(start > 0, 'step table header missing');
    assert.deepEqual(out.slice(start, start + 6), [
      ...STEP_HEADER,
      '| build-infra | cicd-engineer | ✔ succeeded | 1 | build_seconds=41.2, cached=true |',
      '| code-quality | reviewer | ▶ running | 2 | claimed by session-7 |',
      '| release-prep | planner | pending | 0 |  |',
      '| release-gate | gate | awaiting-approval | | ✔ code-quality.clippy_warnings < 20 (12), ✘ code-quality.tests_passed_ratio >= 0.95 (n/a); go votes 1 of 2 |',
    ]);
  });

  void it('shows an open agent attempt without a claimant as open for claim', () => {
    const s = runStatus({
      steps: [
        taskStatus('review', {
          agent: 'reviewer',
          state: 'running',
          attempts: 1,
          agentTask: { attempt: 1, claimedBy: null, claimedAt: null, lastHeartbeatAt: null },
        }),
      ],
    });
    assert.deepEqual(rowsFor(s, 'review'), ['| review | reviewer | ▶ running | 1 | open for claim |']);
  });

  void it('shows a held task and its error, cut to 120 characters', () => {
    const error = `exit code 2: ${'x'.repeat(200)}`;
    const s = runStatus({
      state: 'held',
      steps: [taskStatus('deploy', { state: 'failed', attempts: 3, held: true, error })],
    });
    assert.deepEqual(rowsFor(s, 'deploy'), [
      `| deploy |  | ✘ failed | 3 | HELD: retry, skip or abort; error: ${error.slice(0, 120)} |`,
    ]);
  });

  void it('leaves out go votes for a gate without approvers', () => {
    const s = runStatus({
      gates: [
        gateStatus('auto', {
          state: 'go',
          checks: [{ metric: 'a.b', op: '==', value: 'ok', actual: 'ok', passed: true }],
        }),
      ],
    });
    assert.deepEqual(rowsFor(s, 'auto'), ['| auto | gate | ✔ go | | ✔ a.b == ok (ok) |']);
  });
});

void describe('renderMarkdown: votes', () => {
  void it('lists every vote of every gate in a votes table', () => {
    const s = runStatus({
      gates: [
        gateStatus('quality', {
          state: 'go',
          approvers: ['qa'],
          votes: [{ approver: 'qa', decision: 'go', at: '2026-01-13T22:10:00.000Z' }],
        }),
        gateStatus('release', {
          state: 'no-go',
          approvers: ['cto', 'rm'],
          votes: [
            { approver: 'rm', decision: 'go', comment: 'fine by me', at: '2026-01-13T22:20:00.000Z' },
            { approver: 'cto', decision: 'no-go', comment: 'not yet', at: '2026-01-13T22:30:00.000Z' },
          ],
        }),
      ],
    });
    const out = lines(s);
    const start = out.indexOf(VOTES_HEADER[0] as string);
    assert.ok(start > 0, 'votes table header missing');
    assert.deepEqual(out.slice(start, start + 5), [
      ...VOTES_HEADER,
      '| quality | qa | go |  | 2026-01-13T22:10:00.000Z |',
      '| release | rm | go | fine by me | 2026-01-13T22:20:00.000Z |',
      '| release | cto | no-go | not yet | 2026-01-13T22:30:00.000Z |',
    ]);
  });

  void it('has no votes table before anyone has voted', () => {
    const s = runStatus({ gates: [gateStatus('release', { state: 'awaiting-approval', approvers: ['cto'] })] });
    assert.equal(renderMarkdown(s).includes(VOTES_HEADER[0] as string), false);
  });
});

void describe('renderMarkdown: compensations, escalations, phases', () => {
  void it('lists compensations in the order run', () => {
    const s = runStatus({
      state: 'failed',
      compensations: [
        { step: 'deploy', state: 'succeeded', at: '2026-01-13T22:40:00.000Z', error: null },
        { step: 'build', state: 'failed', at: '2026-01-13T22:41:00.000Z', error: 'git checkout failed' },
      ],
    });
    const out = lines(s);
    const start = out.indexOf('| compensation | state | error |');
    assert.deepEqual(out.slice(start, start + 4), [
      '| compensation | state | error |',
      '|---|---|---|',
      '| deploy | succeeded |  |',
      '| build | failed | git checkout failed |',
    ]);
  });

  void it('lists escalations', () => {
    const s = runStatus({
      escalations: [{ step: 'code-quality', reason: 'running longer than 15m', at: '2026-01-13T22:15:00.000Z' }],
    });
    const out = lines(s);
    assert.deepEqual(out.slice(out.indexOf('Escalations:')), [
      'Escalations:',
      '- 2026-01-13T22:15:00.000Z code-quality: running longer than 15m',
    ]);
  });

  void it('lists the phases of a program with their outcome or state', () => {
    const s = runStatus({
      kind: 'program',
      phases: [
        { plan: 'phase-1', runId: 'rollout-phase-1', outcome: 'succeeded', title: 'Foundation' },
        { plan: 'phase-2', runId: 'rollout-phase-2', outcome: null, state: 'running' },
        { plan: 'phase-3', runId: '', outcome: null },
      ],
    });
    const out = lines(s);
    const start = out.indexOf('| # | phase | run | outcome |');
    assert.deepEqual(out.slice(start, start + 5), [
      '| # | phase | run | outcome |',
      '|---|---|---|---|',
      '| 1 | Foundation | rollout-phase-1 | succeeded |',
      '| 2 | phase-2 | rollout-phase-2 | running |',
      '| 3 | phase-3 |  | pending |',
    ]);
  });
});

void describe('renderMarkdown: escaping', () => {
  const s = runStatus({
    title: 'Build | test',
    cause: 'a | b',
    steps: [
      taskStatus('build', {
        agent: 'ci|cd',
        state: 'failed',
        attempts: 1,
        metrics: { branch: 'main|dev' },
        error: 'line one\nline | two',
      }),
    ],
    gates: [
      gateStatus('g', {
        approvers: ['x|y'],
        checks: [{ metric: 'build.branch', op: '==', value: 'a|b', actual: 'main|dev', passed: false }],
        votes: [{ approver: 'x|y', decision: 'no-go', comment: 'no | way', at: '2026-01-13T22:00:00.000Z' }],
      }),
    ],
    compensations: [{ step: 'build', state: 'failed', at: '2026-01-13T22:00:00.000Z', error: 'rm | failed' }],
  });

  void it('escapes | in the title and the cause', () => {
    const out = lines(s);
    assert.equal(out[0], '**Build \\| test** (`phase-7-release`) · state **running**');
    assert.ok(out.includes('Cause: a \\| b'));
  });

  void it('escapes | in agent, metrics and error, and keeps the row on one line', () => {
    assert.deepEqual(rowsFor(s, 'build').slice(0, 1), [
      '| build | ci\\|cd | ✘ failed | 1 | branch=main\\|dev; error: line one line \\| two |',
    ]);
  });

  void it('escapes | in gate checks', () => {
    assert.deepEqual(rowsFor(s, 'g').slice(0, 1), [
      '| g | gate | pending | | ✘ build.branch == a\\|b (main\\|dev); go votes 0 of 1 |',
    ]);
  });

  void it('escapes | in approver and comment of a vote', () => {
    assert.ok(lines(s).includes('| g | x\\|y | no-go | no \\| way | 2026-01-13T22:00:00.000Z |'));
  });

  void it('escapes | in compensation errors', () => {
    assert.ok(lines(s).includes('| build | failed | rm \\| failed |'));
  });

  void it('leaves every row of each table with as many cells as its header', () => {
    const cells = (row: string) => row.replace(/\\\|/g, '').split('|').length;
    const tables = renderMarkdown(s)
      .split('\n\n')
      .map((block) => block.split('\n'))
      .filter((block) => block[0]?.startsWith('|'));
    assert.equal(tables.length, 3);
    for (const [header, ...rows] of tables) {
      for (const row of rows) assert.equal(cells(row), cells(header as string), row);
    }
  });

  void it('keeps a row on one line when text has a carriage return', () => {
    const out = renderMarkdown(
      runStatus({ steps: [taskStatus('build', { state: 'failed', error: 'first\r\nsecond\rthird' })] }),
    );
    assert.equal(out.includes('\r'), false);
  });
});

void describe('renderMarkdown: long check lists', () => {
  void it('counts more than three checks and lists only the failed ones', () => {
    const checks = ['a', 'b', 'c', 'd'].map((m, i) => ({
      metric: `t.${m}`,
      op: '<',
      value: 10,
      actual: i === 2 ? 12 : 1,
      passed: i !== 2,
    }));
    const s = runStatus({ gates: [gateStatus('g', { checks, approvers: [], state: 'no-go' })] });
    assert.deepEqual(rowsFor(s, 'g'), ['| g | gate | ✘ no-go | | 3 of 4 checks passed, ✘ t.c < 10 (12) |']);
  });
});

void describe('renderMarkdown: big plans', () => {
  void it('lists only the steps not done yet and counts the rest', () => {
    const steps = Array.from({ length: 100 }, (_, i) =>
      taskStatus(`s${i}`, { state: i < 97 ? 'succeeded' : 'running', attempts: 1 }),
    );
    const out = lines(runStatus({ steps, gates: [] }));
    assert.deepEqual(
      out.filter((l) => /^\| s\d+ \|/.test(l)).map((l) => l.split(' | ')[0]),
      ['| s97', '| s98', '| s99'],
    );
    assert.ok(
      out.includes('97 more steps not shown (97 of 100 done); the `status` query has them all.'),
      out.join('\n'),
    );
  });
});

void describe('renderMarkdown: no fraction glyphs in the Temporal UI', () => {
  void it('writes counts as "n of m" and keeps numbers around a slash apart', () => {
    const checks = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((m) => ({
      metric: `t.${m}`,
      op: '<',
      value: 10,
      actual: 1,
      passed: true,
    }));
    const s = runStatus({
      steps: [taskStatus('t', { state: 'succeeded', metrics: { tests: '8/8' } })],
      gates: [
        gateStatus('g', {
          checks,
          approvers: ['a', 'b', 'c', 'd', 'e'],
          quorum: 5,
          state: 'go',
          votes: ['a', 'b', 'c', 'd', 'e'].map((approver) => ({
            approver,
            decision: 'go' as const,
            at: '2026-01-01T00:00:00.000Z',
          })),
        }),
      ],
    });
    const out = renderMarkdown(s);
    assert.doesNotMatch(out, /\d\/\d/, out);
    assert.match(out, /8 of 8 checks passed/);
    assert.match(out, /go votes 5 of 5/);
    assert.match(out, /tests=8 \/ 8/);
  });
});
