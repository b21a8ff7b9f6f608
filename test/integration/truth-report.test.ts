/**
 * The completion report and the truth of what the API and CLI say, against a real dev server,
 * worker and API: the report (markdown and JSON) of a succeeded, a rejected and a program run;
 * `phase report --verify` catching one edited byte; a program's gate decided through the
 * program's run id; a 403 exiting 5 (not "unreachable"); `phase retry` naming the state after the
 * retry, not before.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../client/cli/run';
import type { Report } from '../../client/report';
import { canonicalSha256 } from '../../client/report';
import { statusQuery } from '../../workflows/messages';
import type { RunStatus } from '../../workflows/status';
import { waitForOutcome, waitForStatus } from '../helpers/temporal';
import { base, env, securedBase, tempDir, useApi } from '../helpers/fixture';

const gated = (id: string) => ({
  id,
  title: `Phase ${id}`,
  steps: [
    {
      id: 'build',
      agent: 'ci',
      run: { kind: 'simulate', duration: '100ms', metrics: { warnings: 3 } },
      metrics: { warnings: {} },
      rollback: { kind: 'simulate' },
    },
    {
      id: 'release',
      gate: {
        needs: ['build'],
        checks: [{ metric: 'build.warnings', op: '<', value: 10 }],
        approval: { approvers: ['alice'] },
      },
    },
  ],
});

const PLANS: Record<string, object> = {
  'rep-gated': gated('rep-gated'),
  'rep-p1': gated('rep-p1'),
  'rep-p2': gated('rep-p2'),
  'rep-program': { id: 'rep-program', kind: 'program', title: 'Two weeks', phases: ['rep-p1', 'rep-p2'] },
  'rep-hold': {
    id: 'rep-hold',
    steps: [
      {
        id: 'flaky',
        run: { kind: 'simulate', duration: '50ms', failAttempts: 99 },
        retry: { maximumAttempts: 1 },
        onFailure: 'hold',
      },
    ],
  },
};

useApi({ plans: PLANS, secured: { 'mallory-token': { identity: 'mallory', roles: ['approver', 'operator'] } } });

async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  at = base,
): Promise<{ status: number; body: T; text: string; type: string }> {
  const res = await fetch(`${at}${path}`, {
    method,
    headers: body || method !== 'GET' ? { 'content-type': 'application/json' } : {},
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = JSON.parse(text);
  } catch {
    // markdown
  }
  return { status: res.status, body: parsed as T, text, type: res.headers.get('content-type') ?? '' };
}

/** Runs the CLI in-process; returns exit code and output. */
async function phase(args: string[], at = base): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['--url', at, ...args], {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    env: {},
    isTTY: false,
    color: false,
  });
  return { code, out, err };
}

async function startAndWaitGate(plan: string, runId: string): Promise<void> {
  assert.equal((await api('POST', '/api/runs', { plan, runId })).status, 201);
  await waitForStatus(
    env.client.workflow.getHandle(runId),
    (s) => s.gates.some((g) => g.state === 'awaiting-approval'),
    60_000,
  );
}

describe('completion report', () => {
  it('reports a succeeded run as markdown and JSON with its steps, checks, votes and a receipt of the status', async () => {
    await startAndWaitGate('rep-gated', 'rep-ok');
    assert.equal(
      (
        await api('POST', '/api/runs/rep-ok/decisions', {
          gate: 'release',
          decision: 'go',
          approver: 'alice',
          comment: 'ship it',
        })
      ).status,
      200,
    );
    const status = await waitForOutcome(env.client.workflow.getHandle('rep-ok'));
    const md = await api('GET', '/api/runs/rep-ok/report');
    assert.equal(md.status, 200);
    assert.match(md.type, /^text\/markdown/);
    assert.match(md.text, /^# Completion report: Phase rep-gated/);
    assert.match(md.text, /outcome \*\*succeeded\*\*/);
    assert.match(md.text, /\| `build` \| ci \| succeeded \| 1 \| \d+m?s \| — \| warnings=3 \|/);
    assert.match(md.text, /\| `build.warnings` < \| 10 \| 3 \| yes \|/);
    assert.match(md.text, /\| alice \| go \| ship it \| 20\d\d-/);
    assert.doesNotMatch(md.text, /%|complete\b/i, 'no percentage or "complete" the run did not record');
    const json = await api<Report>('GET', '/api/runs/rep-ok/report?format=json');
    assert.equal(json.status, 200);
    assert.equal(json.body.outcome, 'succeeded');
    assert.equal(json.body.receipt.statusSha256, canonicalSha256(status));
    assert.match(md.text, new RegExp(`status sha256: \`${json.body.receipt.statusSha256}\``));
    const described = await env.client.workflow.getHandle('rep-ok').describe();
    assert.equal(json.body.receipt.temporalRunId, described.runId);
    assert.deepEqual(
      json.body.gates[0]?.votes.map((v) => [v.approver, v.decision, v.comment]),
      [['alice', 'go', 'ship it']],
    );
    // Provenance is reported exactly as the status records it (nothing when it records none).
    assert.deepEqual(json.body.source, status.source ?? null);
    assert.equal(json.body.startedBy, status.startedBy ?? null);
    if (status.source)
      assert.match(
        md.text,
        new RegExp(`plan: ${status.source.kind} definition, sha256 \\\`${status.source.sha256}\\\``),
      );
    assert.equal((await api('GET', '/api/runs/nope-404/report')).status, 404);
    assert.equal((await api('GET', '/api/runs/rep-ok/report?format=pdf')).status, 400);
  });

  it('phase report -o writes it; --verify says match, and mismatch after one edited byte', async () => {
    const file = join(tempDir, 'rep-ok.md');
    const written = await phase(['report', 'rep-ok', '-o', file]);
    assert.equal(written.code, 0, written.err);
    const ok = await phase(['report', '--verify', file]);
    assert.equal(ok.code, 0, ok.out + ok.err);
    assert.match(ok.out, /^match: /);
    const text = readFileSync(file, 'utf8');
    const at = text.indexOf('warnings=3');
    writeFileSync(file, `${text.slice(0, at)}warnings=2${text.slice(at + 'warnings=3'.length)}`);
    const bad = await phase(['report', '--verify', file]);
    assert.equal(bad.code, 1, bad.out);
    assert.match(bad.out, /MISMATCH/);
    assert.match(bad.out, /line \d+ differs/);
    const jsonFile = join(tempDir, 'rep-ok.json');
    assert.equal((await phase(['report', 'rep-ok', '--json', '-o', jsonFile])).code, 0);
    assert.equal((await phase(['report', '--verify', jsonFile])).code, 0);
    writeFileSync(jsonFile, readFileSync(jsonFile, 'utf8').replace('"warnings": 3', '"warnings": 4'));
    assert.equal((await phase(['report', '--verify', jsonFile])).code, 1);
  });

  it('reports a rejected run with the no-go vote and the compensations in order, claiming no success', async () => {
    await startAndWaitGate('rep-gated', 'rep-no');
    await api('POST', '/api/runs/rep-no/decisions', {
      gate: 'release',
      decision: 'no-go',
      approver: 'alice',
      comment: 'not yet',
    });
    await waitForOutcome(env.client.workflow.getHandle('rep-no'));
    const md = await api('GET', '/api/runs/rep-no/report');
    assert.match(md.text, /outcome \*\*rejected\*\*/);
    assert.match(md.text, /Gate `release`: no-go \(decided by votes\)/);
    assert.match(md.text, /\| alice \| no-go \| not yet \|/);
    assert.match(md.text, /## Compensations \(in the order run\)[\s\S]*\| 1 \| `build` \| succeeded \|/);
    assert.match(md.text, /\| `build` \| ci \| compensated \|/);
    const json = await api<Report>('GET', '/api/runs/rep-no/report?format=json');
    assert.equal(json.body.outcome, 'rejected');
    assert.equal(json.body.compensations.length, 1);
  });
});

describe('programs through the program run id', () => {
  it('approves each phase gate via the program run id; the report has one section per phase', async () => {
    assert.equal((await api('POST', '/api/runs', { plan: 'rep-program', runId: 'rep-prog' })).status, 201);
    for (const phaseId of ['rep-p1', 'rep-p2']) {
      await waitForStatus(
        env.client.workflow.getHandle(`rep-prog--${phaseId}`),
        (s) => s.gates[0]?.state === 'awaiting-approval',
        60_000,
      );
      const live = await api<RunStatus>('GET', '/api/runs/rep-prog');
      assert.equal(
        live.body.phases?.find((p) => p.plan === phaseId)?.state,
        'awaiting-approval',
        "the program shows the phase's live state",
      );
      const vote = await phase(['approve', 'rep-prog', 'release', '--approver', 'alice']);
      assert.equal(vote.code, 0, vote.err);
      assert.match(vote.out, /go vote counted/);
    }
    const unknown = await api<{ error: string }>('POST', '/api/runs/rep-prog/decisions', {
      gate: 'nope',
      decision: 'go',
      approver: 'alice',
    });
    assert.ok([404, 409].includes(unknown.status), unknown.text);
    assert.doesNotMatch(unknown.body.error, /No registered handler/);
    const s = await waitForOutcome(env.client.workflow.getHandle('rep-prog'));
    assert.equal(s.outcome, 'succeeded');
    const md = await api('GET', '/api/runs/rep-prog/report');
    assert.match(md.text, /## Phase 1 of 2: Phase rep-p1 \(`rep-p1`\): succeeded/);
    assert.match(md.text, /## Phase 2 of 2: Phase rep-p2 \(`rep-p2`\): succeeded/);
    assert.equal((md.text.match(/Phase receipt: status sha256/g) ?? []).length, 2);
    const json = await api<Report>('GET', '/api/runs/rep-prog/report?format=json');
    assert.equal(json.body.phases?.[1]?.report?.gates[0]?.votes[0]?.approver, 'alice');
    assert.equal(
      json.body.receipt.statusSha256,
      canonicalSha256(await env.client.workflow.getHandle('rep-prog').query(statusQuery)),
    );
  });

  it('a vote on a program with no running phase is a clear 409, not a raw handler error', async () => {
    const r = await api<{ error: string }>('POST', '/api/runs/rep-prog/decisions', {
      gate: 'release',
      decision: 'go',
      approver: 'alice',
    });
    assert.equal(r.status, 409);
    assert.match(r.body.error, /ended/);
  });
});

describe('CLI exit codes and operator answers', () => {
  it('a 403 (not an approver) exits 5, not 4 "unreachable"', async () => {
    await startAndWaitGate('rep-gated', 'rep-403');
    const r = await phase(['--token', 'mallory-token', 'approve', 'rep-403', 'release'], securedBase);
    assert.equal(r.code, 5, r.err);
    assert.match(r.err, /not an approver|may not|approver/i);
    assert.equal((await phase(['status', 'x'], 'http://127.0.0.1:9')).code, 4, 'unreachable stays 4');
  });

  it('phase retry prints the state after the retry, not the held state before it', async () => {
    assert.equal((await api('POST', '/api/runs', { plan: 'rep-hold', runId: 'rep-hold-1' })).status, 201);
    await waitForStatus(env.client.workflow.getHandle('rep-hold-1'), (s) => s.steps[0]?.held === true, 60_000);
    const r = await phase(['retry', 'rep-hold-1', 'flaky']);
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.out, /is now failed/);
    assert.match(r.out, /attempt 2/);
    await waitForStatus(
      env.client.workflow.getHandle('rep-hold-1'),
      (s) => s.steps[0]?.held === true && s.steps[0].attempts === 2,
      60_000,
    );
    const skip = await phase(['skip', 'rep-hold-1', 'flaky']);
    assert.match(skip.out, /skip: step flaky is now skipped/);
  });
});
