/**
 * `phase schedule create|list|show|pause|unpause|trigger|delete|apply`: recurring runs on Temporal
 * Schedules, through the API's `/api/schedules` routes. `apply` reads `plans/schedules.yaml`
 * (or `--file`) locally and creates or updates each declared schedule (idempotent).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { issuesToProblems } from '../../api/errors';
import type { ApplyScheduleResponse, ScheduleList } from '../../api/schemas';
import { plansDir, SCHEDULES_FILE } from '../../plans';
import { OVERLAP_POLICIES, ScheduleFileSchema, type ScheduleDefinition } from '../../schedules/definition';
import type { ScheduleView } from '../../schedules/temporal';
import type { CommandContext } from '../context';
import { CliError, ExitCode } from '../exit-codes';
import type { Paint } from '../render';

const path = (id: string, action = '') => `/api/schedules/${encodeURIComponent(id)}${action ? `/${action}` : ''}`;

/** A schedule as a few lines: spec, state, next and recent runs. */
export function renderSchedule(s: ScheduleView, paint: Paint): string {
  const when = s.cron !== null ? `cron "${s.cron}" (${s.timezone})` : `every ${s.every}`;
  const state = s.paused
    ? paint('yellow', `paused${s.note ? `: ${s.note}` : ''}`)
    : `${paint('green', 'active')}${s.note ? ` (note: ${s.note})` : ''}`;
  const lines = [
    `${paint('cyan', s.id)}  plan ${s.plan}  ${when}  overlap ${s.overlap}  ${state}`,
    `  runs: ${s.actionsTaken} started, ${s.skippedOverlap} skipped (overlap); run ids ${s.runIdPrefix}-<time>`,
    `  next: ${s.nextRuns.slice(0, 3).join(', ') || '(none)'}`,
    ...s.recentRuns
      .slice(-5)
      .map((r) => `  ran:  ${r.runId}${s.runningRuns.includes(r.runId) ? paint('blue', ' (running)') : ''}`),
    `  ${s.uiUrl}`,
  ];
  return lines.join('\n');
}

/** Schedules as a table. */
export function renderSchedules(list: readonly ScheduleView[], paint: Paint): string {
  if (list.length === 0)
    return 'no schedules (create one with phase schedule create, or declare them in plans/schedules.yaml and run phase schedule apply)';
  const table = new Table({
    head: ['schedule', 'plan', 'when', 'overlap', 'state', 'next run', 'runs'],
    style: { head: [], border: [] },
  });
  for (const s of list) {
    const when = s.cron !== null ? `${s.cron} ${s.timezone}` : `every ${s.every}`;
    table.push([
      s.id,
      s.plan,
      when,
      s.overlap,
      s.paused ? paint('yellow', 'paused') : paint('green', 'active'),
      s.nextRuns[0] ?? '-',
      String(s.actionsTaken),
    ]);
  }
  return table.toString();
}

/** Reads and checks a schedules file; a usage error naming each problem's path otherwise. */
export async function readSchedulesFile(file: string): Promise<ScheduleDefinition[]> {
  let value: unknown;
  try {
    value = parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new CliError(`${file}: ${(err as Error).message.split('\n')[0]}`, ExitCode.USAGE);
  }
  const result = ScheduleFileSchema.safeParse(value);
  if (!result.success) {
    const problems = issuesToProblems(result.error.issues);
    throw new CliError(
      [`${file}: invalid schedules file`, ...problems.map((p) => `  ${p.path || '(file)'}: ${p.message}`)].join('\n'),
      ExitCode.USAGE,
    );
  }
  return result.data.schedules;
}

function registerCreate(schedule: Command, ctx: CommandContext): void {
  schedule
    .command('create')
    .description('create a schedule of a bundled plan (give --cron or --every)')
    .argument('<id>', 'schedule id')
    .requiredOption('--plan <id>', 'bundled plan (phase or program) each run starts')
    .option('--cron <expr>', 'cron expression, e.g. "0 9 * * MON"')
    .option('--every <duration>', 'fixed interval, e.g. 1w')
    .option('--timezone <tz>', 'IANA time zone of --cron (default UTC)')
    .option('--overlap <policy>', `${OVERLAP_POLICIES.join('|')} (default skip)`)
    .option('--paused', 'create it paused')
    .option('--note <text>', 'note shown with it (e.g. why it is paused)')
    .action(
      async (
        id: string,
        o: {
          plan: string;
          cron?: string;
          every?: string;
          timezone?: string;
          overlap?: string;
          paused?: boolean;
          note?: string;
        },
        cmd: Command,
      ) => {
        const body = {
          id,
          plan: o.plan,
          cron: o.cron,
          every: o.every,
          timezone: o.timezone,
          overlap: o.overlap,
          paused: o.paused,
          note: o.note,
        };
        const created = await ctx
          .api(cmd)
          .request<ScheduleView>('POST', '/api/schedules', JSON.parse(JSON.stringify(body)));
        ctx.print(cmd, created, () => `created schedule\n${renderSchedule(created, ctx.paint)}`);
      },
    );
}

function registerStateCommands(schedule: Command, ctx: CommandContext): void {
  for (const action of ['pause', 'unpause'] as const) {
    schedule
      .command(action)
      .description(`${action} a schedule`)
      .argument('<id>', 'schedule id')
      .option('--note <text>', action === 'pause' ? 'why it is paused (shown with it)' : 'note')
      .action(async (id: string, o: { note?: string }, cmd: Command) => {
        const view = await ctx
          .api(cmd)
          .request<ScheduleView>('POST', path(id, action), o.note !== undefined ? { note: o.note } : {});
        ctx.print(cmd, view, () => renderSchedule(view, ctx.paint));
      });
  }
  schedule
    .command('trigger')
    .description('start a run now (the overlap policy applies)')
    .argument('<id>', 'schedule id')
    .action(async (id: string, _o: object, cmd: Command) => {
      const view = await ctx.api(cmd).request<ScheduleView>('POST', path(id, 'trigger'), {});
      ctx.print(cmd, view, () => `triggered ${id}: the run appears within a moment (phase schedule show ${id})`);
    });
  schedule
    .command('delete')
    .description('delete a schedule (runs it started go on)')
    .argument('<id>', 'schedule id')
    .action(async (id: string, _o: object, cmd: Command) => {
      await ctx.api(cmd).request<undefined>('DELETE', path(id));
      ctx.print(cmd, { id, deleted: true }, () => `deleted schedule ${id}`);
    });
}

/** Registers `phase schedule …`. */
export function registerScheduleCommands(program: Command, ctx: CommandContext): void {
  const schedule = program.command('schedule').description('recurring runs on Temporal Schedules');
  registerCreate(schedule, ctx);
  schedule
    .command('list')
    .description('list schedules')
    .action(async (_o: object, cmd: Command) => {
      const list = await ctx.api(cmd).request<ScheduleList>('GET', '/api/schedules');
      ctx.print(cmd, list, () => renderSchedules(list.schedules, ctx.paint));
    });
  schedule
    .command('show')
    .description('show a schedule: spec, state, next and recent runs')
    .argument('<id>', 'schedule id')
    .action(async (id: string, _o: object, cmd: Command) => {
      const view = await ctx.api(cmd).request<ScheduleView>('GET', path(id));
      ctx.print(cmd, view, () => renderSchedule(view, ctx.paint));
    });
  registerStateCommands(schedule, ctx);
  schedule
    .command('apply')
    .description(`create or update the schedules declared in ${SCHEDULES_FILE} of the plans folder (idempotent)`)
    .option('--file <path>', `schedules file (default: <plans folder>/${SCHEDULES_FILE})`)
    .action(async (o: { file?: string }, cmd: Command) => {
      const file = o.file ?? join(plansDir(ctx.io.env), SCHEDULES_FILE);
      const defs = await readSchedulesFile(file);
      const results: ApplyScheduleResponse[] = [];
      for (const def of defs) results.push(await ctx.api(cmd).request<ApplyScheduleResponse>('PUT', path(def.id), def));
      ctx.print(
        cmd,
        results,
        () =>
          results
            .map(
              (r) =>
                `${r.result.padEnd(9)} ${r.schedule.id} (plan ${r.schedule.plan}; next ${r.schedule.nextRuns[0] ?? '-'})`,
            )
            .join('\n') || `${file}: no schedules`,
      );
    });
}
