/** `phase start`, `status`, `list`, `cancel`. */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { readPlanFile } from '../../plans';
import { parseInterval, positiveInt, type CommandContext } from '../context';
import { CliError, ExitCode } from '../exit-codes';
import { followRun } from '../follow';
import { renderRuns, renderStatus } from '../render';

/** True when the argument names a plan file rather than a bundled plan id. */
function looksLikeFile(arg: string): boolean {
  return existsSync(arg) || /[\\/]/.test(arg) || /\.(ya?ml|json)$/i.test(arg);
}

/** Registers the run commands. */
export function registerRunCommands(program: Command, ctx: CommandContext): void {
  const { paint, io } = ctx;
  program
    .command('start')
    .description('start a run of a bundled plan id or of a plan file')
    .argument('<plan>', 'bundled plan id, or a path to a YAML/JSON plan file')
    .option('--run-id <id>', 'run id to use (default <plan-id>-<4 hex>)')
    .option('--wait', 'wait for the outcome; exit 1 unless it succeeded')
    .option('--watch', 'like --wait, showing the live status table')
    .option('--interval <duration>', 'poll interval for --wait/--watch', '1s')
    .action(
      async (
        planArg: string,
        o: { runId?: string; wait?: boolean; watch?: boolean; interval: string },
        cmd: Command,
      ) => {
        const intervalMs = parseInterval(o.interval, '--interval');
        let plan: string | object = planArg;
        if (looksLikeFile(planArg)) {
          // Validated here first, so problems are reported with the file's own paths.
          const result = await readPlanFile(planArg);
          if (!result.ok)
            throw new CliError(
              [`${planArg}: invalid plan`, ...result.errors.map((e) => `  ${e.path || '(plan)'}: ${e.message}`)].join(
                '\n',
              ),
              ExitCode.USAGE,
            );
          plan = result.plan;
        }
        const started = await ctx.api(cmd).startRun(plan, o.runId);
        if (!o.wait && !o.watch) {
          ctx.print(
            cmd,
            started,
            () =>
              `started ${paint('cyan', started.runId)}\n  ${started.uiUrl}\n  follow: phase status ${started.runId} --watch`,
          );
          return;
        }
        if (!ctx.globals(cmd).json) io.err(`started ${started.runId} (${started.uiUrl})\n`);
        const final = await followRun(ctx, cmd, started.runId, { watch: o.watch === true, intervalMs });
        if (!o.watch) ctx.print(cmd, final, () => renderStatus(final, paint));
        ctx.setExit(final.outcome === 'succeeded' ? ExitCode.OK : ExitCode.RUN_FAILED);
      },
    );

  program
    .command('status')
    .description('show a run: steps, gates, votes')
    .argument('<run>', 'run id')
    .option('--watch', 'redraw until the run ends')
    .option('--interval <duration>', 'poll interval for --watch', '1s')
    .option('--exit-status', 'exit 1 when the run has ended without succeeding')
    .action(async (runId: string, o: { watch?: boolean; interval: string; exitStatus?: boolean }, cmd: Command) => {
      const intervalMs = parseInterval(o.interval, '--interval');
      const status = o.watch
        ? await followRun(ctx, cmd, runId, { watch: true, intervalMs })
        : await ctx.api(cmd).status(runId);
      if (!o.watch) ctx.print(cmd, status, () => renderStatus(status, paint));
      if (o.exitStatus && status.outcome !== null && status.outcome !== 'succeeded') ctx.setExit(ExitCode.RUN_FAILED);
    });

  program
    .command('list')
    .description('list runs, newest first')
    .option('--state <state>', 'only runs in this state (running, awaiting-approval, held, succeeded, failed, ...)')
    .option('--plan <id>', 'only runs of this plan')
    .option('--awaiting-approval', 'only runs waiting for a decision')
    .option('--limit <n>', 'at most this many runs', '50')
    .action(async (o: { state?: string; plan?: string; awaitingApproval?: boolean; limit: string }, cmd: Command) => {
      const limit = positiveInt(o.limit, '--limit');
      const page = await ctx.api(cmd).listRuns({
        ...(o.state ? { state: o.state } : {}),
        ...(o.plan ? { plan: o.plan } : {}),
        ...(o.awaitingApproval ? { awaitingApproval: true } : {}),
        pageSize: Math.min(limit, 1000),
      });
      ctx.print(cmd, page, () => renderRuns(page.runs, paint));
    });

  program
    .command('cancel')
    .description('cancel a run (it rolls back)')
    .argument('<run>', 'run id')
    .action(async (runId: string, _o: object, cmd: Command) => {
      const result = await ctx.api(cmd).cancel(runId);
      ctx.print(cmd, result, () => `cancellation of ${runId} requested: it rolls back, outcome cancelled`);
    });
}
