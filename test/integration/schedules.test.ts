/**
 * Recurring runs on Temporal Schedules, end to end on the real dev server: the `/api/schedules`
 * routes and their error codes, trigger now, pause/unpause with a note, overlap skip, apply
 * (create, unchanged, updated), and the CLI's `phase schedule` commands against the API.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../client/cli/run';
import type { ScheduleView } from '../../client/schedules/temporal';
import type { PhaseRunInput } from '../../workflows/messages';
import { base, env, plansDir, useApi } from '../helpers/fixture';

const PLANS: Record<string, object> = {
  'sch-quick': {
    id: 'sch-quick',
    title: 'Quick',
    steps: [{ id: 'only', run: { kind: 'simulate', duration: '100ms' } }],
  },
  'sch-slow': { id: 'sch-slow', steps: [{ id: 'long', run: { kind: 'simulate', duration: '10m' } }] },
};

useApi({ plans: PLANS, app: { uiUrl: 'http://ui.test:8233' } });

interface Reply<T> {
  status: number;
  body: T & { error?: string; details?: { path: string; message: string }[] };
}

async function call<T = ScheduleView>(method: string, path: string, body?: unknown): Promise<Reply<T>> {
  const res = await fetch(`${base}${path}`, {
    method,
    // Without tokens every state-changing request must be JSON (the CSRF guard), a DELETE too.
    headers: method === 'GET' ? {} : { 'content-type': 'application/json' },
    ...(method === 'GET' ? {} : { body: JSON.stringify(body ?? {}) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Reply<T>['body'] };
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await fn();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out; last: ${JSON.stringify(last).slice(0, 2000)}`);
}

const show = async (id: string) => (await call('GET', `/api/schedules/${id}`)).body;

describe('schedule routes', () => {
  it('creates a schedule (201) and refuses bad definitions (400 naming the field), an unknown plan (404) and a taken id (409)', async () => {
    const created = await call('POST', '/api/schedules', {
      id: 'weekly-quick',
      plan: 'sch-quick',
      cron: '0 9 * * MON',
      timezone: 'Europe/Berlin',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.cron, '0 9 * * MON');
    assert.equal(created.body.timezone, 'Europe/Berlin');
    assert.equal(created.body.overlap, 'skip');
    assert.equal(created.body.paused, false);
    assert.equal(created.body.runIdPrefix, 'sch-quick-weekly-quick');
    assert.equal(created.body.uiUrl, 'http://ui.test:8233/namespaces/default/schedules/weekly-quick');
    // Next Monday 09:00 in Berlin is 07:00 or 08:00 UTC.
    assert.match(created.body.nextRuns[0] ?? '', /T0[78]:00:00\.000Z$/);
    assert.equal(new Date(created.body.nextRuns[0] ?? '').getUTCDay(), 1);

    const bad = async (body: object, path: string) => {
      const r = await call('POST', '/api/schedules', body);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.ok(
        r.body.details?.some((d) => d.path === path),
        `${path} in ${JSON.stringify(r.body)}`,
      );
    };
    await bad({ id: 'x', plan: 'sch-quick' }, 'cron');
    await bad({ id: 'x', plan: 'sch-quick', cron: '0 9 * * MON', every: '1h' }, 'every');
    await bad({ id: 'x', plan: 'sch-quick', every: '10ms' }, 'every');
    await bad({ id: 'x', plan: 'sch-quick', cron: '0 9 * * MON', timezone: 'Mars/Olympus' }, 'timezone');
    await bad({ id: 'x', plan: 'sch-quick', cron: '0 9 * * MON', overlap: 'sometimes' }, 'overlap');
    await bad({ id: 'a:b', plan: 'sch-quick', every: '1h' }, 'id');
    await bad({ id: 'x', plan: 'sch-quick', every: '1h', extra: 1 }, 'extra');
    // Temporal itself refuses a field out of range: still a 400 naming cron.
    await bad({ id: 'x', plan: 'sch-quick', cron: '99 9 * * MON' }, 'cron');

    const unknown = await call('POST', '/api/schedules', { id: 'x', plan: 'no-such-plan', every: '1h' });
    assert.equal(unknown.status, 404);
    const taken = await call('POST', '/api/schedules', { id: 'weekly-quick', plan: 'sch-quick', every: '1h' });
    assert.equal(taken.status, 409);
    assert.equal((await call('GET', '/api/schedules/nope')).status, 404);
    assert.equal((await call('POST', '/api/schedules/nope/trigger', {})).status, 404);
  });

  it('starts a Phasegate run carrying scheduleId on trigger now, which Temporal marks TemporalScheduledById', async () => {
    assert.equal(
      (await call('POST', '/api/schedules', { id: 'every-hour', plan: 'sch-quick', every: '1h' })).status,
      201,
    );
    const triggered = await call('POST', '/api/schedules/every-hour/trigger', {});
    assert.equal(triggered.status, 200);
    const view = await until(
      () => show('every-hour'),
      (v) => v.recentRuns.length === 1,
    );
    const runId = view.recentRuns[0]?.runId ?? '';
    assert.match(runId, /^sch-quick-every-hour-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    // The run id (with its colons) is a run for every run route.
    const status = await until(
      () => call<{ outcome: string | null; scheduleId: string | null }>('GET', `/api/runs/${runId}`),
      (r) => r.status === 200 && r.body.outcome === 'succeeded',
    );
    assert.equal(status.body.outcome, 'succeeded');
    assert.equal(status.body.scheduleId, 'every-hour');
    const handle = env.client.workflow.getHandle(runId);
    const described = await handle.describe();
    assert.deepEqual(described.searchAttributes.TemporalScheduledById, ['every-hour']);
    assert.deepEqual(described.searchAttributes.PhasePlan, ['sch-quick']);
    const history = await handle.fetchHistory();
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
    const decoded = JSON.parse(Buffer.from(input ?? new Uint8Array()).toString('utf8')) as PhaseRunInput;
    assert.equal(decoded.scheduleId, 'every-hour');
    assert.equal(decoded.plan.id, 'sch-quick');
  });

  it('pauses and unpauses a schedule with the note given, and refuses a note that is not text (400)', async () => {
    assert.equal(
      (await call('POST', '/api/schedules', { id: 'pausable', plan: 'sch-quick', every: '1d' })).status,
      201,
    );
    const paused = await call('POST', '/api/schedules/pausable/pause', { note: 'release freeze until Friday' });
    assert.equal(paused.status, 200);
    assert.equal(paused.body.paused, true);
    assert.equal(paused.body.note, 'release freeze until Friday');
    const unpaused = await call('POST', '/api/schedules/pausable/unpause', { note: 'freeze over' });
    assert.equal(unpaused.body.paused, false);
    assert.equal(unpaused.body.note, 'freeze over');
    const badNote = await call('POST', '/api/schedules/pausable/pause', { note: 42 });
    assert.equal(badNote.status, 400);
    assert.equal(badNote.body.details?.[0]?.path, 'note');
  });

  it('starts nothing on a trigger while the last run still runs (overlap skip) and counts a skip', async () => {
    assert.equal(
      (await call('POST', '/api/schedules', { id: 'slow', plan: 'sch-slow', every: '1d', overlap: 'skip' })).status,
      201,
    );
    await call('POST', '/api/schedules/slow/trigger', {});
    const running = await until(
      () => show('slow'),
      (v) => v.runningRuns.length === 1,
    );
    await call('POST', '/api/schedules/slow/trigger', {});
    const after = await until(
      () => show('slow'),
      (v) => v.skippedOverlap === 1,
    );
    assert.equal(after.actionsTaken, 1);
    assert.deepEqual(after.runningRuns, running.runningRuns);
    await env.client.workflow.getHandle(running.runningRuns[0] as string).cancel();
  });

  it('lists schedules, deletes one (204) and then answers 404 for it', async () => {
    const list = await until(
      () => call<{ schedules: ScheduleView[] }>('GET', '/api/schedules'),
      (r) => r.body.schedules.some((s) => s.id === 'pausable'),
    );
    assert.ok(list.body.schedules.every((s) => typeof s.actionsTaken === 'number'));
    const del = await call('DELETE', '/api/schedules/pausable');
    assert.equal(del.status, 204);
    assert.equal((await call('GET', '/api/schedules/pausable')).status, 404);
    assert.equal((await call('DELETE', '/api/schedules/pausable')).status, 404);
  });

  it('applying a definition creates the schedule, leaves an unchanged one alone, updates a changed one and keeps an operator pause', async () => {
    const def = { id: 'applied', plan: 'sch-quick', cron: '30 8 * * *' };
    const first = await call<{ result: string; schedule: ScheduleView }>('PUT', '/api/schedules/applied', def);
    assert.equal(first.status, 201);
    assert.equal(first.body.result, 'created');
    const again = await call<{ result: string }>('PUT', '/api/schedules/applied', def);
    assert.equal(again.status, 200);
    assert.equal(again.body.result, 'unchanged');
    await call('POST', '/api/schedules/applied/pause', { note: 'on hold' });
    const changed = await call<{ result: string; schedule: ScheduleView }>('PUT', '/api/schedules/applied', {
      ...def,
      cron: '45 8 * * *',
    });
    assert.equal(changed.body.result, 'updated');
    assert.equal(changed.body.schedule.cron, '45 8 * * *');
    assert.match(changed.body.schedule.nextRuns[0] ?? '', /T08:45:00\.000Z$/);
    assert.equal(changed.body.schedule.paused, true);
    assert.equal(changed.body.schedule.note, 'on hold');
    const mismatch = await call('PUT', '/api/schedules/other', def);
    assert.equal(mismatch.status, 400);
  });
});

describe('phase schedule (CLI)', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      io: {
        out: (t: string) => void out.push(t),
        err: (t: string) => void err.push(t),
        env: { PHASEGATE_PLANS_DIR: plansDir },
        isTTY: false,
        color: false,
      },
    };
  };

  it('applies the schedules file and creates, shows, pauses, triggers and deletes schedules; a bad file exits 2 naming the path', async () => {
    writeFileSync(
      join(plansDir, 'schedules.yaml'),
      'schedules:\n  - id: cli-weekly\n    plan: sch-quick\n    cron: "0 9 * * MON"\n    timezone: UTC\n',
    );
    let o = io();
    assert.equal(await runCli(['--url', base, 'schedule', 'apply'], o.io), 0, o.err.join(''));
    assert.match(o.out.join(''), /^created\s+cli-weekly \(plan sch-quick; next \d{4}-/);
    o = io();
    assert.equal(await runCli(['--url', base, 'schedule', 'apply'], o.io), 0);
    assert.match(o.out.join(''), /^unchanged cli-weekly/);

    o = io();
    assert.equal(
      await runCli(
        [
          '--url',
          base,
          'schedule',
          'create',
          'cli-daily',
          '--plan',
          'sch-quick',
          '--every',
          '1d',
          '--paused',
          '--note',
          'not yet',
        ],
        o.io,
      ),
      0,
      o.err.join(''),
    );
    assert.match(o.out.join(''), /cli-daily {2}plan sch-quick {2}every 1d {2}overlap skip {2}paused: not yet/);
    o = io();
    assert.equal(await runCli(['--url', base, '--json', 'schedule', 'show', 'cli-daily'], o.io), 0);
    assert.equal((JSON.parse(o.out.join('')) as ScheduleView).paused, true);
    o = io();
    assert.equal(await runCli(['--url', base, 'schedule', 'unpause', 'cli-daily'], o.io), 0);
    assert.match(o.out.join(''), /active/);
    o = io();
    assert.equal(await runCli(['--url', base, 'schedule', 'list'], o.io), 0);
    assert.match(o.out.join(''), /cli-weekly/);
    o = io();
    assert.equal(await runCli(['--url', base, 'schedule', 'trigger', 'cli-daily'], o.io), 0);
    o = io();
    assert.equal(await runCli(['--url', base, 'schedule', 'delete', 'cli-daily'], o.io), 0);
    o = io();
    assert.equal(await runCli(['--url', base, 'schedule', 'show', 'cli-daily'], o.io), 3);
    o = io();
    assert.equal(await runCli(['--url', base, 'schedule', 'create', 'x', '--plan', 'sch-quick'], o.io), 2);
    assert.match(o.err.join(''), /cron: give either cron or every/);

    writeFileSync(
      join(plansDir, 'schedules.yaml'),
      'schedules:\n  - id: broken\n    plan: sch-quick\n    every: soon\n',
    );
    o = io();
    assert.equal(await runCli(['--url', base, 'schedule', 'apply'], o.io), 2);
    assert.match(o.err.join(''), /schedules\[0\]\.every: must be a duration/);
  });
});
