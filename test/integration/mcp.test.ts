/**
 * The MCP server (SPEC §9) end to end: a real Temporal dev server, a real worker, the real API on
 * ephemeral ports (one without tokens, one with), and MCP clients nobody here wrote: the SDK's
 * `Client` over Streamable HTTP (`POST /mcp`) and over stdio (`phase mcp` spawned), and the
 * published MCP Inspector CLI.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { TokenMap } from '../../client/api/auth';
import type { PendingDecision } from '../../client/mcp/tools/decisions';
import type { GateStatus, RunStatus, StepStatus } from '../../workflows/status';
import {
  callTool,
  httpClient,
  inspector,
  ok,
  PHASE_ARGV,
  ROOT,
  stdioClient,
  textOf,
  toolError,
  untilTool,
} from '../helpers/mcp';
import { base, securedBase, useApi } from '../helpers/fixture';
import { stepOf } from '../helpers/status';

const PLANS = {
  'mcp-loop': {
    id: 'mcp-loop',
    title: 'One agent task behind a quality gate',
    steps: [
      {
        id: 'review',
        title: 'Review the diff',
        agent: 'reviewer',
        run: { kind: 'agent', instructions: 'count the warnings' },
        heartbeat: '30s',
        metrics: { warnings: {} },
        retry: { maximumAttempts: 1 },
      },
      { id: 'quality', gate: { needs: ['review'], checks: [{ metric: 'review.warnings', op: '<', value: 5 }] } },
    ],
  },
  'mcp-pair': {
    id: 'mcp-pair',
    steps: [
      { id: 'left', agent: 'pair', run: { kind: 'agent' } },
      { id: 'right', agent: 'pair', run: { kind: 'agent' } },
    ],
  },
  'mcp-approval': {
    id: 'mcp-approval',
    steps: [
      { id: 'review', agent: 'reviewer', run: { kind: 'agent' }, metrics: { warnings: {} } },
      {
        id: 'release',
        gate: {
          needs: ['review'],
          checks: [{ metric: 'review.warnings', op: '<', value: 5 }],
          approval: { approvers: ['alice'], quorum: 1 },
        },
      },
    ],
  },
};

const TOKENS: TokenMap = {
  'tok-mcp-ops-1': { identity: 'olivia', roles: ['operator'] },
  'tok-mcp-agent-1': { identity: 'reviewer', roles: ['agent'] },
  'tok-mcp-alice-1': { identity: 'alice', roles: ['approver'] },
};
const [OPS, AGENT, ALICE] = Object.keys(TOKENS) as [string, string, string];

/** Every tool name of SPEC §9. */
const TOOLS = [
  'cancel_run',
  'complete_task',
  'decide',
  'fail_task',
  'get_report',
  'get_run',
  'heartbeat_task',
  'list_plans',
  'list_runs',
  'next_task',
  'pending_decisions',
  'start_run',
  'validate_plan',
];

const clients: Client[] = [];

// Registered first so that it runs first: the clients (stdio ones are `phase mcp` processes
// connected to the API) close before the apps do.
after(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
});
useApi({ plans: PLANS, secured: TOKENS });

async function connect(kind: 'http' | 'stdio', url: string, token?: string): Promise<Client> {
  const client = kind === 'http' ? await httpClient(url, token) : await stdioClient(url, token);
  clients.push(client);
  return client;
}

/** A POST with exactly these headers (fetch cannot set Host); resolves with the status. */
function rawPost(url: string, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const finished = (s: RunStatus) => s.outcome !== null;

/** start_run → next_task → heartbeat_task → complete_task with metrics → the gate passes → get_run succeeded. */
async function fullLoop(client: Client): Promise<RunStatus> {
  const { runId } = await ok<{ runId: string }>(client, 'start_run', { plan: 'mcp-loop' });
  const lease = await ok<{ leaseId: string; stepId: string; attempt: number; instructions?: string }>(
    client,
    'next_task',
    { agent: 'reviewer', runId, wait: '20s' },
  );
  assert.equal(lease.stepId, 'review');
  assert.equal(lease.instructions, 'count the warnings');
  const beat = await ok<StepStatus>(client, 'heartbeat_task', {
    runId,
    stepId: 'review',
    leaseId: lease.leaseId,
    progress: 'halfway',
  });
  assert.equal(beat.state, 'running');
  await ok<StepStatus>(client, 'complete_task', {
    runId,
    stepId: 'review',
    leaseId: lease.leaseId,
    metrics: { warnings: 2 },
    summary: 'two warnings, both cosmetic',
  });
  const done = await untilTool<RunStatus>(client, 'get_run', { runId }, finished);
  assert.equal(done.outcome, 'succeeded');
  assert.equal(done.state, 'succeeded');
  assert.equal(done.steps[0]?.metrics.warnings, 2);
  const gate = done.gates[0] as GateStatus;
  assert.equal(gate.state, 'go');
  assert.deepEqual(
    gate.checks.map((c) => [c.metric, c.actual, c.passed]),
    [['review.warnings', 2, true]],
  );
  const report = await callTool(client, 'get_report', { runId });
  assert.notEqual(report.isError, true, textOf(report));
  assert.match(textOf(report), new RegExp(`${runId}[\\s\\S]*succeeded`));
  assert.equal((report.structuredContent as { markdown: string }).markdown, textOf(report));
  return done;
}

describe('MCP over both transports, without tokens', () => {
  it('lists exactly the tools of SPEC §9 and both resource templates', async () => {
    for (const kind of ['http', 'stdio'] as const) {
      const client = await connect(kind, base);
      const tools = await client.listTools();
      assert.deepEqual(tools.tools.map((t) => t.name).sort(), TOOLS, kind);
      for (const t of tools.tools)
        assert.ok((t.description ?? '').length > 40, `${t.name} tells an agent when to use it`);
      const templates = await client.listResourceTemplates();
      assert.deepEqual(templates.resourceTemplates.map((r) => r.uriTemplate).sort(), [
        'phasegate://runs/{runId}',
        'phasegate://runs/{runId}/report',
      ]);
    }
  });

  it('runs the full agent loop over Streamable HTTP and serves the run and report resources', async () => {
    const client = await connect('http', base);
    const done = await fullLoop(client);
    const resource = await client.readResource({ uri: `phasegate://runs/${done.runId}` });
    const first = resource.contents[0] as { text: string; mimeType: string };
    assert.equal(first.mimeType, 'application/json');
    assert.equal((JSON.parse(first.text) as RunStatus).outcome, 'succeeded');
    const reportResource = await client.readResource({ uri: `phasegate://runs/${done.runId}/report` });
    assert.equal((reportResource.contents[0] as { mimeType: string }).mimeType, 'text/markdown');
  });

  it('runs the full agent loop over stdio (phase mcp)', async () => {
    await fullLoop(await connect('stdio', base));
  });

  it('two clients of one agent never get the same lease', async () => {
    const a = await connect('http', base);
    const b = await connect('stdio', base);
    const { runId } = await ok<{ runId: string }>(a, 'start_run', { plan: 'mcp-pair' });
    const first = await ok<{ leaseId: string; stepId: string }>(a, 'next_task', { agent: 'pair', runId, wait: '20s' });
    const second = await ok<{ leaseId?: string; stepId?: string; task?: null }>(b, 'next_task', {
      agent: 'pair',
      runId,
      wait: '10s',
    });
    if (second.task === null) assert.deepEqual(second, { task: null });
    else {
      assert.notEqual(second.stepId, first.stepId);
      assert.notEqual(second.leaseId, first.leaseId);
    }
    // Both leased (or one left): a third ask finds nothing new, never the first lease again.
    const third = await ok<{ stepId?: string; task?: null }>(b, 'next_task', { agent: 'pair', runId });
    if (third.task !== null) assert.notEqual(third.stepId, first.stepId);
    // B cannot report on A's lease.
    const refused = await toolError(b, 'complete_task', { runId, stepId: first.stepId, leaseId: 'not-the-lease' });
    assert.match(refused, /409/);
    await ok(a, 'complete_task', { runId, stepId: first.stepId, leaseId: first.leaseId });
    if (second.task === null) {
      await ok(a, 'cancel_run', { runId });
      assert.equal((await untilTool<RunStatus>(a, 'get_run', { runId }, finished)).outcome, 'cancelled');
    } else {
      await ok<StepStatus>(b, 'fail_task', {
        runId,
        stepId: second.stepId,
        leaseId: second.leaseId,
        reason: 'cannot reproduce',
        retryable: false,
      });
      const failed = await untilTool<RunStatus>(a, 'get_run', { runId }, finished);
      assert.equal(failed.outcome, 'failed');
      assert.match(stepOf(failed, second.stepId ?? '').error ?? '', /cannot reproduce/);
    }
  });

  it('bad input is a tool error naming the field', async () => {
    const client = await connect('http', base);
    assert.match(await toolError(client, 'decide', { runId: 'x', gate: 'g', decision: 'maybe' }), /decision/);
    assert.match(await toolError(client, 'get_run', { runId: 'x', colour: 'red' }), /colour/);
    assert.match(await toolError(client, 'get_run', { runId: 'mcp-no-such-run' }), /404/);
    assert.match(await toolError(client, 'validate_plan', {}), /plan/);
    const invalid = await ok<{ ok: boolean; errors: { path: string }[] }>(client, 'validate_plan', {
      yaml: 'id: x\nsteps:\n  - id: a\n    needs: [zzz]\n    run: { kind: simulate }\n',
    });
    assert.equal(invalid.ok, false);
    assert.ok(
      invalid.errors.some((e) => e.path.includes('needs')),
      JSON.stringify(invalid.errors),
    );
  });

  it("/mcp has the rest of the API's Host and Origin rules (no DNS rebinding, no CSRF)", async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const cases: [Record<string, string>, number][] = [
      [{ host: 'rebind.evil.example' }, 403],
      [{ origin: 'https://evil.example' }, 403],
      [{ 'content-type': 'text/plain' }, 415],
      [{}, 200],
    ];
    for (const [headers, expected] of cases) {
      const status = await rawPost(`${base}/mcp`, body, {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      });
      assert.equal(status, expected, JSON.stringify(headers));
    }
  });

  it('phase mcp writes nothing but MCP messages to stdout', async () => {
    const child = spawn(process.execPath, [...PHASE_ARGV, 'mcp'], {
      cwd: ROOT,
      env: { ...process.env, PHASEGATE_URL: base },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    };
    child.stdin.write(`${JSON.stringify(init)}\n`);
    const deadline = Date.now() + 60_000;
    while (!out.includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const exited = new Promise((r) => child.once('exit', r));
    child.stdin.end(); // end of input ends the server
    await exited;
    const lines = out.trim().split('\n');
    assert.equal(lines.length, 1, out);
    const reply = JSON.parse(lines[0] as string) as { id: number; result: { serverInfo: { name: string } } };
    assert.equal(reply.result.serverInfo.name, 'phasegate');
  });
});

describe('MCP with tokens: the same roles as /api', () => {
  it('a bad or missing token is HTTP 401 from the transport', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    for (const auth of [{}, { authorization: 'Bearer nope' }] as Record<string, string>[]) {
      const res = await fetch(`${securedBase}/mcp`, { method: 'POST', headers: { ...headers, ...auth }, body });
      assert.equal(res.status, 401);
      assert.ok(res.headers.get('www-authenticate')?.startsWith('Bearer'));
    }
    await assert.rejects(httpClient(securedBase, 'nope'), (err: { code?: number }) => err.code === 401);
    // stdio: the API refuses each call, and the tool error says so.
    assert.match(await toolError(await connect('stdio', securedBase, 'nope'), 'list_plans'), /401/);
  });

  it('agent over stdio, approver over HTTP: roles hold, the approver sees the gate and its vote counts', async () => {
    const ops = await connect('http', securedBase, OPS);
    const agent = await connect('stdio', securedBase, AGENT);
    const alice = await connect('http', securedBase, ALICE);
    assert.match(await toolError(agent, 'start_run', { plan: 'mcp-approval' }), /403/);
    const { runId } = await ok<{ runId: string }>(ops, 'start_run', { plan: 'mcp-approval' });
    assert.match(await toolError(alice, 'next_task', { agent: 'reviewer', runId }), /403/);
    const lease = await ok<{ leaseId: string; claimedBy: string }>(agent, 'next_task', {
      agent: 'reviewer',
      runId,
      wait: '20s',
    });
    assert.equal(lease.claimedBy, 'reviewer');
    await ok(agent, 'complete_task', { runId, stepId: 'review', leaseId: lease.leaseId, metrics: { warnings: 1 } });

    const { decisions } = await untilTool<{ decisions: PendingDecision[] }>(
      alice,
      'pending_decisions',
      { approver: 'alice' },
      (v) => v.decisions.some((d) => d.runId === runId),
    );
    const pending = decisions.find((d) => d.runId === runId) as PendingDecision;
    assert.equal(pending.gate, 'release');
    assert.deepEqual(
      pending.checks.map((c) => c.passed),
      [true],
    );
    assert.deepEqual(pending.votes, []);

    assert.match(await toolError(agent, 'decide', { runId, gate: 'release', decision: 'go' }), /403/);
    assert.match(
      await toolError(alice, 'decide', { runId, gate: 'release', decision: 'go', approver: 'mallory' }),
      /approver/,
    );
    const gate = await ok<GateStatus>(alice, 'decide', {
      runId,
      gate: 'release',
      decision: 'go',
      comment: 'checks are green',
    });
    assert.equal(gate.state, 'go');
    assert.deepEqual(
      gate.votes.map((v) => [v.approver, v.decision, v.via]),
      [['alice', 'go', 'mcp']],
    );
    const done = await untilTool<RunStatus>(ops, 'get_run', { runId }, finished);
    assert.equal(done.outcome, 'succeeded');
  });
});

describe('the MCP Inspector CLI (a client nobody here wrote)', () => {
  it('lists the tools of phase mcp and calls one', async () => {
    const stdio = ['-e', `PHASEGATE_URL=${base}`, process.execPath, ...PHASE_ARGV, 'mcp'];
    const listed = JSON.parse(await inspector([...stdio, '--method', 'tools/list'])) as { tools: { name: string }[] };
    assert.deepEqual(listed.tools.map((t) => t.name).sort(), TOOLS);
    const called = JSON.parse(await inspector([...stdio, '--method', 'tools/call', '--tool-name', 'list_plans'])) as {
      structuredContent: { plans: { id: string }[] };
    };
    assert.deepEqual(called.structuredContent.plans.map((p) => p.id).sort(), Object.keys(PLANS).sort());
    const overHttp = JSON.parse(
      await inspector([
        `${base}/mcp`,
        '--transport',
        'http',
        '--method',
        'tools/call',
        '--tool-name',
        'validate_plan',
        '--tool-arg',
        'yaml=id: x',
      ]),
    ) as {
      structuredContent: { ok: boolean };
    };
    assert.equal(overHttp.structuredContent.ok, false);
  });
});
