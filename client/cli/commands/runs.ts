/** `phase start`, `status`, `list`, `cancel`. */
import type { Command } from 'commander';
import { parseInterval, positiveInt, type CommandContext } from '../context';
import { ExitCode } from '../exit-codes';
import { followRun } from '../follow';
import { renderRuns, renderStatus } from '../render';
import { registerStartCommand } from './runs-start';

/** Registers the run commands (in this order in `phase --help`). */
export function registerRunCommands(program: Command, ctx: CommandContext): void {
  registerStartCommand(program, ctx);
  registerStatusCommand(program, ctx);
  registerListCommand(program, ctx);
  registerCancelCommand(program, ctx);
}

/** `phase status <run>`: the status table once, or redrawn until the run ends. */
function registerStatusCommand(program: Command, ctx: CommandContext): void {
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
      if (!o.watch) ctx.print(cmd, status, () => renderStatus(status, ctx.paint));
      if (o.exitStatus && status.outcome !== null && status.outcome !== 'succeeded') ctx.setExit(ExitCode.RUN_FAILED);
    });
}

/** `phase list`: runs, newest first, filtered by state, plan or a pending decision. */
function registerListCommand(program: Command, ctx: CommandContext): void {
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
      ctx.print(cmd, page, () => renderRuns(page.runs, ctx.paint));
    });
}

/** `phase cancel <run>`: asks the run to cancel; it rolls back. */
function registerCancelCommand(program: Command, ctx: CommandContext): void {
  program
    .command('cancel')
    .description('cancel a run (it rolls back)')
    .argument('<run>', 'run id')
    .action(async (runId: string, _o: object, cmd: Command) => {
      const result = await ctx.api(cmd).cancel(runId);
      ctx.print(cmd, result, () => `cancellation of ${runId} requested: it rolls back, outcome cancelled`);
    });
}
