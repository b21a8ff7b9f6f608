/** `phase approve|reject <run> <gate>` and `phase retry|skip <run> <step>`. */
import type { Command } from 'commander';
import type { CommandContext } from '../context';
import { renderGate } from '../render';

/** Registers the decision and operator commands. */
export function registerDecisionCommands(program: Command, ctx: CommandContext): void {
  for (const [name, decision] of [
    ['approve', 'go'],
    ['reject', 'no-go'],
  ] as const) {
    program
      .command(name)
      .description(`vote ${decision} on a gate`)
      .argument('<run>', 'run id')
      .argument('<gate>', 'gate step id')
      .option('--comment <text>', 'why')
      .option('--approver <name>', 'who votes, only when the API runs without tokens (default $PHASEGATE_APPROVER); with a token, the token decides')
      .action(async (runId: string, gate: string, o: { comment?: string; approver?: string }, cmd: Command) => {
        const approver = o.approver ?? (ctx.globals(cmd).token ? undefined : ctx.io.env.PHASEGATE_APPROVER);
        const result = await ctx.api(cmd).decide(runId, {
          gate,
          decision,
          ...(o.comment !== undefined ? { comment: o.comment } : {}),
          ...(approver !== undefined ? { approver } : {}),
        });
        ctx.print(cmd, result, () => `${decision} vote counted · ${renderGate(result, ctx.paint)}`);
      });
  }

  for (const action of ['retry', 'skip'] as const) {
    program
      .command(action)
      .description(`${action} a held task`)
      .argument('<run>', 'run id')
      .argument('<step>', 'task step id')
      .option('--comment <text>', 'why')
      .action(async (runId: string, step: string, o: { comment?: string }, cmd: Command) => {
        const result = await ctx.api(cmd).act(runId, step, action, o.comment);
        ctx.print(cmd, result, () => `${action}: step ${step} is now ${result.state}`);
      });
  }
}
