/**
 * A battery of malformed requests against a live API with running workflows: wrong types, missing
 * and unknown fields, oversized and broken bodies, wrong content types, unicode, path traversal in
 * ids, query injection. Every one must get a 4xx envelope naming the problem (never a 500, never a
 * stack trace), and the runs started before the battery must be exactly as they were.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import type { RunStatus } from '../../workflows/status';
import { waitForOutcome, waitForStatus } from '../helpers/temporal';
import { base, env, useApi } from '../helpers/fixture';
import { claimUpdate, completeUpdate, decideUpdate } from '../../workflows/messages';

let approvalRun: string;
let agentRun: string;
let before_: RunStatus[] = [];

// Cases are declared before the runs exist: paths and bodies name them as RUN_A (the run waiting
// for approval) and RUN_B (the run with an open agent task), filled in when each request is sent.
const fill = (text: string) => text.replace(/RUN_A/g, approvalRun).replace(/RUN_B/g, agentRun);

const APPROVAL = {
  id: 'mal-approval',
  steps: [
    { id: 'build', run: { kind: 'simulate', duration: '200ms' } },
    { id: 'release', gate: { needs: ['build'], approval: { approvers: ['alice', 'bob'], quorum: 1 } } },
  ],
};
const AGENT = {
  id: 'mal-agent',
  steps: [{ id: 'review', agent: 'reviewer', run: { kind: 'agent' }, metrics: { score: {} } }],
};

useApi({ plans: { 'mal-approval': APPROVAL, 'mal-agent': AGENT }, app: { maxBody: '64kb' } });

/** One malformed request and what the answer must say. */
interface Case {
  name: string;
  method?: 'GET' | 'POST';
  path: string;
  json?: unknown;
  raw?: string | Buffer;
  headers?: Record<string, string>;
  status: number;
  /** Text the error or a detail path must contain (the named field or problem). */
  names: string | RegExp;
}

const big = 'x'.repeat(100 * 1024);

function cases(): Case[] {
  const run = '/api/runs/RUN_A';
  const step = '/api/runs/RUN_B/steps/review';
  const deep = (n: number): unknown => (n === 0 ? 1 : { a: deep(n - 1) });
  return [
    // POST /api/runs: body shape
    { name: 'broken JSON', path: '/api/runs', raw: '{"plan": "mal-approval",', status: 400, names: /malformed JSON/ },
    { name: 'JSON primitive', path: '/api/runs', raw: 'true', status: 400, names: /JSON/ },
    { name: 'array body', path: '/api/runs', json: ['mal-approval'], status: 400, names: /body/ },
    { name: 'missing plan', path: '/api/runs', json: {}, status: 400, names: 'plan' },
    { name: 'plan is a number', path: '/api/runs', json: { plan: 7 }, status: 400, names: 'plan' },
    { name: 'plan is null', path: '/api/runs', json: { plan: null }, status: 400, names: 'plan' },
    { name: 'plan is an array', path: '/api/runs', json: { plan: ['mal-approval'] }, status: 400, names: 'plan' },
    {
      name: 'plan id with spaces and capitals',
      path: '/api/runs',
      json: { plan: 'Mal Approval' },
      status: 400,
      names: 'plan',
    },
    {
      name: 'unknown field',
      path: '/api/runs',
      json: { plan: 'mal-approval', force: true },
      status: 400,
      names: 'force',
    },
    {
      name: '__proto__ field',
      path: '/api/runs',
      raw: '{"plan":"mal-approval","__proto__":{"admin":true}}',
      status: 400,
      names: '__proto__',
    },
    {
      name: 'runId traversal',
      path: '/api/runs',
      json: { plan: 'mal-approval', runId: '../../etc/passwd' },
      status: 400,
      names: 'runId',
    },
    {
      name: 'runId with slash',
      path: '/api/runs',
      json: { plan: 'mal-approval', runId: 'a/b' },
      status: 400,
      names: 'runId',
    },
    {
      name: 'runId too long',
      path: '/api/runs',
      json: { plan: 'mal-approval', runId: 'r'.repeat(300) },
      status: 400,
      names: 'runId',
    },
    {
      name: 'runId unicode',
      path: '/api/runs',
      json: { plan: 'mal-approval', runId: 'rün-1' },
      status: 400,
      names: 'runId',
    },
    { name: 'runId number', path: '/api/runs', json: { plan: 'mal-approval', runId: 12 }, status: 400, names: 'runId' },
    {
      name: 'runId taken by the live run',
      path: '/api/runs',
      json: { plan: 'mal-approval', runId: 'RUN_A' },
      status: 409,
      names: 'runId',
    },
    {
      name: 'inline plan unknown key',
      path: '/api/runs',
      json: { plan: { ...APPROVAL, id: 'x', colour: 'red' } },
      status: 400,
      names: 'plan.colour',
    },
    {
      name: 'inline plan bad duration',
      path: '/api/runs',
      json: { plan: { id: 'x', steps: [{ id: 'a', run: { kind: 'simulate', duration: 'ages' } }] } },
      status: 400,
      names: 'plan.steps[0].run.duration',
    },
    {
      name: 'inline plan cycle',
      path: '/api/runs',
      json: {
        plan: {
          id: 'x',
          steps: [
            { id: 'a', needs: ['b'], run: { kind: 'simulate' } },
            { id: 'b', needs: ['a'], run: { kind: 'simulate' } },
          ],
        },
      },
      status: 400,
      names: /cycle/,
    },
    {
      name: 'inline plan quorum above approvers',
      path: '/api/runs',
      json: {
        plan: {
          id: 'x',
          steps: [
            { id: 'a', run: { kind: 'simulate' } },
            { id: 'g', gate: { needs: ['a'], approval: { approvers: ['alice'], quorum: 3 } } },
          ],
        },
      },
      status: 400,
      names: 'plan.steps[1].gate.approval.quorum',
    },
    {
      name: 'inline plan deeply nested junk',
      path: '/api/runs',
      json: { plan: { id: 'x', steps: [{ id: 'a', run: { kind: 'simulate' } }], junk: deep(2000) } },
      status: 400,
      names: 'plan.junk',
    },
    { name: 'body over the limit', path: '/api/runs', json: { plan: big }, status: 413, names: /too large/ },
    {
      name: 'text/plain body',
      path: '/api/runs',
      raw: '{"plan":"mal-approval"}',
      headers: { 'content-type': 'text/plain' },
      status: 415,
      names: /Content-Type/,
    },
    {
      name: 'form body',
      path: '/api/runs',
      raw: 'plan=mal-approval',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      status: 415,
      names: /Content-Type/,
    },
    {
      name: 'latin1 charset',
      path: '/api/runs',
      raw: '{"plan":"mal-approval"}',
      headers: { 'content-type': 'application/json; charset=iso-8859-1' },
      status: 415,
      names: /charset/,
    },
    {
      name: 'corrupt gzip body',
      path: '/api/runs',
      raw: Buffer.from('not gzip at all'),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      status: 400,
      names: /body|gzip|JSON|header/i,
    },
    {
      name: 'gzip bomb over the limit',
      path: '/api/runs',
      raw: gzipSync(Buffer.from(JSON.stringify({ plan: 'y'.repeat(1024 * 1024) }))),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      status: 413,
      names: /too large/,
    },
    // decisions on the live run
    {
      name: 'decision not go/no-go',
      path: `${run}/decisions`,
      json: { gate: 'release', decision: 'yes', approver: 'alice' },
      status: 400,
      names: 'decision',
    },
    {
      name: 'decision missing gate',
      path: `${run}/decisions`,
      json: { decision: 'go', approver: 'alice' },
      status: 400,
      names: 'gate',
    },
    {
      name: 'gate is a number',
      path: `${run}/decisions`,
      json: { gate: 1, decision: 'go', approver: 'alice' },
      status: 400,
      names: 'gate',
    },
    {
      name: 'gate is an emoji',
      path: `${run}/decisions`,
      json: { gate: '💥', decision: 'go', approver: 'alice' },
      status: 400,
      names: 'gate',
    },
    {
      name: 'comment too long',
      path: `${run}/decisions`,
      json: { gate: 'release', decision: 'go', approver: 'alice', comment: 'c'.repeat(5000) },
      status: 400,
      names: 'comment',
    },
    {
      name: 'comment is an object',
      path: `${run}/decisions`,
      json: { gate: 'release', decision: 'go', approver: 'alice', comment: { text: 'hi' } },
      status: 400,
      names: 'comment',
    },
    {
      name: 'unknown decision field',
      path: `${run}/decisions`,
      json: { gate: 'release', decision: 'go', approver: 'alice', weight: 10 },
      status: 400,
      names: 'weight',
    },
    {
      name: 'empty approver',
      path: `${run}/decisions`,
      json: { gate: 'release', decision: 'go', approver: '   ' },
      status: 400,
      names: 'approver',
    },
    {
      name: 'approver too long',
      path: `${run}/decisions`,
      json: { gate: 'release', decision: 'go', approver: 'a'.repeat(300) },
      status: 400,
      names: 'approver',
    },
    {
      name: 'approver not on the list',
      path: `${run}/decisions`,
      json: { gate: 'release', decision: 'go', approver: 'Ålice' },
      status: 403,
      names: /approver/,
    },
    {
      name: 'decision body is an array',
      path: `${run}/decisions`,
      json: [{ gate: 'release', decision: 'go' }],
      status: 400,
      names: /body/,
    },
    // ids in paths
    {
      name: 'run id with encoded traversal',
      path: '/api/runs/..%2F..%2Fetc%2Fpasswd/decisions',
      json: { gate: 'release', decision: 'go', approver: 'alice' },
      status: 400,
      names: 'runId',
    },
    { name: 'run id with unicode', method: 'GET', path: '/api/runs/r%C3%BCn', status: 400, names: 'runId' },
    { name: 'run id too long', method: 'GET', path: `/api/runs/${'r'.repeat(250)}`, status: 400, names: 'runId' },
    { name: 'run id with dots', method: 'GET', path: '/api/runs/a..b', status: 400, names: 'runId' },
    { name: 'step id with dots', path: '/api/runs/RUN_B/steps/re..view/claim', json: {}, status: 400, names: 'stepId' },
    {
      name: 'step id with a quote',
      path: "/api/runs/RUN_B/steps/re'view/claim",
      json: {},
      status: 400,
      names: 'stepId',
    },
    {
      name: 'agent name with a space',
      method: 'GET',
      path: '/api/agents/code%20reviewer/tasks',
      status: 400,
      names: 'agent',
    },
    {
      name: 'agent name with a quote (query injection)',
      method: 'GET',
      path: "/api/agents/x'%20OR%20'1'='1/tasks",
      status: 400,
      names: 'agent',
    },
    // agent protocol bodies on the live agent task
    { name: 'claimant is a number', path: `${step}/claim`, json: { claimant: 5 }, status: 400, names: 'claimant' },
    {
      name: 'unknown claim field',
      path: `${step}/claim`,
      json: { claimant: 'me', priority: 'high' },
      status: 400,
      names: 'priority',
    },
    {
      name: 'heartbeat without leaseId',
      path: `${step}/heartbeat`,
      json: { claimant: 'me', attempt: 1 },
      status: 400,
      names: 'leaseId',
    },
    {
      name: 'leaseId with a space',
      path: `${step}/heartbeat`,
      json: { leaseId: 'a b' },
      status: 400,
      names: 'leaseId',
    },
    {
      name: 'attempt as a string',
      path: `${step}/heartbeat`,
      json: { leaseId: 'L1', attempt: '1', claimant: 'me' },
      status: 400,
      names: 'attempt',
    },
    {
      name: 'negative attempt',
      path: `${step}/heartbeat`,
      json: { leaseId: 'L1', attempt: -1, claimant: 'me' },
      status: 400,
      names: 'attempt',
    },
    {
      name: 'claim wait over 60s',
      path: '/api/agents/reviewer/claim',
      json: { wait: '90s' },
      status: 400,
      names: 'wait',
    },
    {
      name: 'claim wait not a duration',
      path: '/api/agents/reviewer/claim',
      json: { wait: 'soon' },
      status: 400,
      names: 'wait',
    },
    {
      name: 'claim-next leaseId with a quote',
      path: '/api/agents/reviewer/claim',
      json: { leaseId: "x' OR '1'='1" },
      status: 400,
      names: 'leaseId',
    },
    {
      name: 'heartbeat with no body',
      path: `${step}/heartbeat`,
      raw: '',
      headers: { 'content-type': 'application/json' },
      status: 400,
      names: /body required/,
    },
    {
      name: 'metrics as an array',
      path: `${step}/complete`,
      json: { leaseId: 'L1', metrics: [1, 2] },
      status: 400,
      names: 'metrics',
    },
    {
      name: 'metric value an object',
      path: `${step}/complete`,
      json: { leaseId: 'L1', metrics: { score: { v: 1 } } },
      status: 400,
      names: 'metrics.score',
    },
    {
      name: 'metric name with spaces',
      path: `${step}/complete`,
      json: { leaseId: 'L1', metrics: { 'my score': 1 } },
      status: 400,
      names: 'metrics.my score',
    },
    {
      name: 'summary too long',
      path: `${step}/complete`,
      json: { leaseId: 'L1', summary: 's'.repeat(20_000) },
      status: 400,
      names: 'summary',
    },
    { name: 'fail without reason', path: `${step}/fail`, json: { leaseId: 'L1' }, status: 400, names: 'reason' },
    {
      name: 'retryable as a string',
      path: `${step}/fail`,
      json: { leaseId: 'L1', reason: 'x', retryable: 'yes' },
      status: 400,
      names: 'retryable',
    },
    {
      name: 'complete before claiming',
      path: `${step}/complete`,
      json: { leaseId: 'L1', claimant: 'nobody' },
      status: 409,
      names: /lease/,
    },
    // operator actions with junk bodies must not act
    { name: 'cancel with an unknown field', path: `${run}/cancel`, json: { force: true }, status: 400, names: 'force' },
    {
      name: 'retry with an unknown field',
      path: `${run}/steps/build/retry`,
      json: { now: true },
      status: 400,
      names: 'now',
    },
    // queries
    { name: 'pageSize not a number', method: 'GET', path: '/api/runs?pageSize=abc', status: 400, names: 'pageSize' },
    { name: 'pageSize too large', method: 'GET', path: '/api/runs?pageSize=100000', status: 400, names: 'pageSize' },
    { name: 'state not a state', method: 'GET', path: '/api/runs?state=exploded', status: 400, names: 'state' },
    {
      name: 'plan filter injection',
      method: 'GET',
      path: "/api/runs?plan=x'%20OR%20PhasePlan%20!%3D%20'",
      status: 400,
      names: 'plan',
    },
    {
      name: 'awaitingApproval not a boolean',
      method: 'GET',
      path: '/api/runs?awaitingApproval=maybe',
      status: 400,
      names: 'awaitingApproval',
    },
    {
      name: 'state given twice',
      method: 'GET',
      path: '/api/runs?state=running&state=held',
      status: 400,
      names: 'state',
    },
    {
      name: 'page token garbage',
      method: 'GET',
      path: '/api/runs?nextPageToken=%21%21%21',
      status: 400,
      names: 'nextPageToken',
    },
    { name: 'unknown query parameter', method: 'GET', path: `${run}?verbose=true`, status: 400, names: 'verbose' },
    // plan validation
    {
      name: 'validate: YAML syntax error',
      path: '/api/plans/validate',
      raw: 'id: [oops\n',
      headers: { 'content-type': 'application/yaml' },
      status: 400,
      names: /malformed YAML/,
    },
    {
      name: 'validate: XML',
      path: '/api/plans/validate',
      raw: '<plan/>',
      headers: { 'content-type': 'application/xml' },
      status: 415,
      names: /Content-Type/,
    },
    {
      name: 'validate: yaml field not a string',
      path: '/api/plans/validate',
      json: { yaml: 42 },
      status: 400,
      names: 'yaml',
    },
    { name: 'unknown route', method: 'GET', path: '/api/runs/x/y/z', status: 404, names: /no route/ },
  ];
}

/** What we compare before and after the battery: everything that a stray request could change. */
function fingerprint(s: RunStatus): unknown {
  return {
    state: s.state,
    steps: s.steps.map((t) => [t.id, t.state, t.attempts, t.agentTask?.claimedBy ?? null]),
    gates: s.gates.map((g) => [g.id, g.state, g.votes.length]),
    events: s.events.length,
  };
}

describe('malformed requests', () => {
  before(async () => {
    // Two live runs: one waiting for a decision, one with an open agent task.
    const start = async (plan: string) => {
      const r = await fetch(`${base}/api/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ plan }),
      });
      assert.equal(r.status, 201);
      return ((await r.json()) as { runId: string }).runId;
    };
    approvalRun = await start('mal-approval');
    agentRun = await start('mal-agent');
    before_ = [
      await waitForStatus(env.client.workflow.getHandle(approvalRun), (s) => s.state === 'awaiting-approval'),
      await waitForStatus(env.client.workflow.getHandle(agentRun), (s) => s.steps[0]?.agentTask != null),
    ];
  });

  const battery = cases();
  it(`has at least 40 cases (${battery.length})`, () => {
    assert.ok(battery.length >= 40);
  });

  for (const c of battery) {
    it(`refuses ${c.name} with a ${c.status} naming the problem`, async () => {
      // JSON unless the case says otherwise (fetch would label a raw string text/plain).
      const headers: Record<string, string> = {
        ...(c.method === 'GET' ? {} : { 'content-type': 'application/json' }),
        ...(c.headers ?? {}),
      };
      const body =
        c.json !== undefined ? fill(JSON.stringify(c.json)) : typeof c.raw === 'string' ? fill(c.raw) : c.raw;
      const res = await fetch(`${base}${fill(c.path)}`, {
        method: c.method ?? 'POST',
        headers,
        ...(body !== undefined ? { body } : {}),
      });
      const text = await res.text();
      const envelope = JSON.parse(text) as { error?: unknown; details?: { path: string; message: string }[] };
      const said = `${String(envelope.error)} ${JSON.stringify(envelope.details ?? [])}`;
      assert.equal(res.status, c.status, said);
      assert.equal(typeof envelope.error, 'string', 'the envelope has an error message');
      if (typeof c.names === 'string') assert.ok(said.includes(c.names), `names ${c.names}: ${said}`);
      else assert.match(said, c.names);
      assert.doesNotMatch(text, /\bat .+:\d+:\d+|node_modules|\.ts:\d+/, 'no stack trace');
    });
  }

  it('left the live runs exactly as they were, and they still work', async () => {
    const approvalHandle = env.client.workflow.getHandle(approvalRun);
    const agentHandle = env.client.workflow.getHandle(agentRun);
    const afterBattery = [await approvalHandle.query('status'), await agentHandle.query('status')] as RunStatus[];
    assert.deepEqual(afterBattery.map(fingerprint), before_.map(fingerprint));
    await approvalHandle.executeUpdate(decideUpdate, {
      args: [{ gate: 'release', decision: 'go', approver: 'alice' }],
    });
    const claim = await agentHandle.executeUpdate(claimUpdate, { args: [{ step: 'review', claimant: 'tester' }] });
    await agentHandle.executeUpdate(completeUpdate, {
      args: [{ step: 'review', attempt: claim.attempt, claimant: 'tester', metrics: { score: 1 } }],
    });
    assert.equal((await waitForOutcome(approvalHandle)).outcome, 'succeeded');
    assert.equal((await waitForOutcome(agentHandle)).outcome, 'succeeded');
  });
});
