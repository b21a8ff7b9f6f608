/**
 * The page renderers without a browser: every piece of user data (titles, ids, agents, comments,
 * approvers, metric values, errors, event messages) is escaped, and the step graph is laid out in
 * dependency order. Fast; runs with the browser suite because it guards the same pages.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { approvalsFragment } from '../../client/api/pages/approvals-view';
import { layers } from '../../client/api/pages/graph';
import { escapeHtml, html } from '../../client/api/pages/html';
import { renderPage } from '../../client/api/pages/layout';
import { runFragment } from '../../client/api/pages/run-view';
import { runsFragment } from '../../client/api/pages/runs-view';
import type { RunStatus } from '../../workflows/status';

const EVIL = `<script>alert(1)</script><img src=x onerror=alert(2)>"'&`;
const AT = '2026-01-13T22:00:00.000Z';

function hostileRun(): RunStatus {
  return {
    runId: 'r-1',
    plan: 'p',
    title: EVIL,
    kind: 'phase',
    state: 'rejected',
    outcome: 'rejected',
    cause: EVIL,
    startedAt: AT,
    endedAt: AT,
    steps: [
      {
        id: 'a',
        type: 'task',
        title: EVIL,
        agent: EVIL,
        executor: 'simulate',
        needs: [],
        state: 'compensated',
        attempts: 1,
        startedAt: AT,
        endedAt: AT,
        metrics: { m: EVIL },
        error: EVIL,
        summary: EVIL,
        attemptHistory: [],
      },
      {
        id: 'b',
        type: 'task',
        agent: 'x',
        executor: 'simulate',
        needs: ['a'],
        state: 'failed',
        attempts: 2,
        startedAt: AT,
        endedAt: AT,
        metrics: {},
        error: null,
        attemptHistory: [],
      },
    ],
    gates: [
      {
        id: 'g',
        type: 'gate',
        title: EVIL,
        needs: ['a'],
        state: 'awaiting-approval',
        checks: [{ metric: 'a.m', op: '==', value: EVIL, actual: EVIL, passed: false }],
        votes: [{ approver: EVIL, decision: 'no-go', comment: EVIL, at: AT }],
        quorum: 1,
        approvers: [EVIL],
        startedAt: AT,
        endedAt: null,
        deadline: AT,
      },
    ],
    compensations: [{ step: 'a', state: 'failed', at: AT, error: EVIL }],
    escalations: [{ step: 'a', reason: EVIL, at: AT }],
    events: [{ at: AT, type: EVIL, step: 'a', message: EVIL }],
    phases: [{ plan: 'p', runId: 'r-2', outcome: null, title: EVIL }],
  };
}

/** No tag or attribute from the hostile string survives; only its escaped form. */
function assertInert(markup: string): void {
  assert.ok(!markup.includes('<script>alert'), 'a <script> tag got through');
  assert.ok(!markup.includes('<img'), 'an <img> tag got through');
  assert.ok(!markup.includes('"><script>'), 'an attribute value broke out of its quotes');
  // Quoted attribute values may hold the escaped text; outside them, no tag may carry a handler.
  const handler = /<[^>]*\sonerror=/.exec(markup.replace(/"[^"]*"/g, '""'));
  assert.equal(handler, null, `an event handler attribute got through: ${handler?.[0].slice(0, 200)}`);
  assert.ok(markup.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the text is shown, escaped');
}

describe('page rendering', () => {
  it('escapes text and attribute values', () => {
    assert.equal(escapeHtml(`<a href="x" title='y'>&`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;');
    assert.equal(html`<p title="${EVIL}">${EVIL}</p>`.toString().includes('"<'), false);
    assert.equal(html`<i>${['<b>', html`<b>ok</b>`]}</i>`.toString(), '<i>&lt;b&gt;<b>ok</b></i>');
  });

  it('escapes every field of a run on the run page, the approvals list and the runs list', () => {
    const run = hostileRun();
    assertInert(runFragment(run, 'http://ui/"><script>').toString());
    assertInert(
      approvalsFragment(
        [
          {
            item: {
              runId: 'r-1',
              plan: 'p',
              state: 'awaiting-approval',
              awaitingApproval: true,
              startTime: AT,
              closeTime: null,
              status: 'RUNNING',
              uiUrl: 'u',
            },
            status: run,
          },
        ],
        () => 'u',
      ).toString(),
    );
    const error = approvalsFragment(
      [
        {
          item: {
            runId: 'r-3',
            plan: null,
            state: null,
            awaitingApproval: true,
            startTime: null,
            closeTime: null,
            status: 'RUNNING',
            uiUrl: 'u',
          },
          error: EVIL,
        },
      ],
      () => 'u',
    ).toString();
    assertInert(error);
    const list = runsFragment({
      runs: [
        {
          runId: 'r-1',
          plan: EVIL,
          state: EVIL,
          awaitingApproval: false,
          startTime: AT,
          closeTime: null,
          status: 'RUNNING',
          uiUrl: EVIL,
        },
      ],
      nextPageToken: null,
    }).toString();
    assertInert(list);
    const page = renderPage({
      name: 'run',
      title: EVIL,
      authOn: true,
      fragmentUrl: '/f',
      refreshMs: 2000,
      error: EVIL,
    }).toString();
    assertInert(page);
  });

  it('marks a finished run final so the page stops refreshing', () => {
    assert.match(runFragment(hostileRun(), 'u').toString(), /data-final="true"/);
    assert.match(
      runFragment({ ...hostileRun(), outcome: null, state: 'running' }, 'u').toString(),
      /data-final="false"/,
    );
  });

  it('lays steps out by the longest chain of needs, keeping plan order within a stage', () => {
    const nodes = [
      { id: 'a', needs: [] },
      { id: 'b', needs: [] },
      { id: 'c', needs: ['a'] },
      { id: 'd', needs: ['c', 'b'] },
      { id: 'e', needs: ['a'] },
      { id: 'f', needs: ['missing'] },
    ];
    assert.deepEqual(
      layers(nodes).map((col) => col.map((n) => n.id)),
      [['a', 'b', 'f'], ['c', 'e'], ['d']],
    );
    // A cycle (which validation forbids) still terminates.
    assert.equal(
      layers([
        { id: 'x', needs: ['y'] },
        { id: 'y', needs: ['x'] },
      ]).flat().length,
      2,
    );
  });
});
