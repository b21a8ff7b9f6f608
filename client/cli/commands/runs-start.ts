/** `phase start`: start a run of a bundled plan id or of a plan file, optionally following it. */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { Plan } from '../../../workflows/plan/schema';
import { readPlanFile } from '../../plans';
import { parseInterval, type CommandContext } from '../context';
import { CliError, ExitCode } from '../exit-codes';
import { followRun } from '../follow';
import { renderStatus } from '../render';

interface StartOptions {
  runId?: string;
  wait?: boolean;
  watch?: boolean;
  interval: string;
}

/** True when the argument names a plan file rather than a bundled plan id. */
function looksLikeFile(arg: string): boolean {
  return existsSync(arg) || /[\\/]/.test(arg) || /\.(ya?ml|json)$/i.test(arg);
}

/** Registers `phase start`. */
export function registerStartCommand(program: Command, ctx: CommandContext): void {
  program
    .command('start')
    .description('start a run of a bundled plan id or of a plan file')
    .argument('<plan>', 'bundled plan id, or a path to a YAML/JSON plan file')
    .option('--run-id <id>', 'run id to use (default <plan-id>-<4 hex>)')
    .option('--wait', 'wait for the outcome; exit 1 unless it succeeded')
    .option('--watch', 'like --wait, showing the live status table')
    .option('--interval <duration>', 'poll interval for --wait/--watch', '1s')
    .action((planArg: string, o: StartOptions, cmd: Command) => startRun(ctx, cmd, planArg, o));
}

/**
 * Starts the run and prints where to follow it, or with `--wait`/`--watch` follows it to its end
 * and exits 1 unless it succeeded. Throws a usage error (exit 2) for an invalid plan file.
 */
async function startRun(ctx: CommandContext, cmd: Command, planArg: string, o: StartOptions): Promise<void> {
  const { paint, io } = ctx;
  const intervalMs = parseInterval(o.interval, '--interval');
  const plan = looksLikeFile(planArg) ? await planFromFile(planArg) : planArg;
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
}

/**
 * The plan of a file, validated here first so problems are reported with the file's own paths;
 * an invalid plan is a usage error listing each problem.
 */
async function planFromFile(path: string): Promise<Plan> {
  const result = await readPlanFile(path);
  if (!result.ok)
    throw new CliError(
      [`${path}: invalid plan`, ...result.errors.map((e) => `  ${e.path || '(plan)'}: ${e.message}`)].join('\n'),
      ExitCode.USAGE,
    );
  return result.plan;
}
