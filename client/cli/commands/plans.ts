/** `phase validate <file>` (local) and `phase plans` (what the API serves). */
import type { Command } from 'commander';
import { loadPlanCatalog, plansDir, readPlanFile } from '../../plans';
import type { CommandContext } from '../context';
import { CliError, ExitCode } from '../exit-codes';
import { renderPlans } from '../render';

/** Registers the plan commands. */
export function registerPlanCommands(program: Command, ctx: CommandContext): void {
  const { paint } = ctx;
  program
    .command('validate')
    .description('validate a plan file (YAML or JSON) locally; exit 1 when invalid')
    .argument('<file>', 'plan file')
    .action(async (file: string, _o: object, cmd: Command) => {
      // A program's phase ids are checked against the local plans folder when there is one.
      const catalog = await loadPlanCatalog(plansDir(ctx.io.env));
      const known = catalog.plans.size > 0 ? new Set(catalog.plans.keys()) : undefined;
      const result = await readPlanFile(file, known);
      if (!result.ok && result.errors.some((e) => e.message.startsWith('cannot read')))
        throw new CliError(result.errors[0]?.message ?? 'cannot read', ExitCode.USAGE);
      if (result.ok) {
        const plan = result.plan;
        const size = plan.kind === 'program' ? `${plan.phases.length} phases` : `${plan.steps.length} steps`;
        ctx.print(
          cmd,
          { ok: true, plan },
          () => `${paint('green', '✔')} ${file}: valid ${plan.kind ?? 'phase'} plan "${plan.id}" (${size})`,
        );
      } else {
        ctx.print(cmd, { ok: false, errors: result.errors }, () =>
          [
            `${paint('red', '✘')} ${file}: ${result.errors.length} problem(s)`,
            ...result.errors.map((e) => `  ${e.path || '(plan)'}: ${e.message}`),
          ].join('\n'),
        );
        ctx.setExit(ExitCode.RUN_FAILED);
      }
    });

  program
    .command('plans')
    .description('list the bundled plans the API serves')
    .action(async (_o: object, cmd: Command) => {
      const plans = await ctx.api(cmd).plans();
      ctx.print(cmd, plans, () => renderPlans(plans, paint));
    });
}
