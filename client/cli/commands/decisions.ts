/** `phase approve|reject <run> <gate>` and `phase retry|skip <run> <step>`. */
import type { Command } from 'commander';
import type { StepStatus } from '../../../workflows/status';
import type { PhasegateApi } from '../api-client';
import type { CommandContext } from '../context';
import { renderGate } from '../render';

/** How long `retry`/`skip` wait for the run to act on the request before saying it is queued. */
const SETTLE_MS = 5_000;

/**
 * The step after an operator action has taken effect. The action's answer is the step as it was
 * when the run accepted the request (still held, state `failed`); the run acts on it in its next
 * turn, so read the status until the step is no longer held (at most {@link SETTLE_MS}).
 */
async function settledStep(api: PhasegateApi, runId: string, accepted: StepStatus): Promise<StepStatus | undefined> {
  const until = Date.now() + SETTLE_MS;
  while (Date.now() < until) {
    const step = (await api.status(runId)).steps.find((t) => t.id === accepted.id);
    if (step && (step.attempts > accepted.attempts || (!step.held && step.state !== 'failed'))) return step;
    await new Promise((r) => setTimeout(r, 200));
  }
  return undefined;
}

/** The human line for a step after `retry`/`skip`. */
function actionLine(action: 'retry' | 'skip', id: string, step: StepStatus | undefined): string {
  if (!step) return `${action} of step ${id} requested: the run has not acted on it yet (see phase status)`;
  if (step.state === 'running') return `${action}: step ${id} is now running (attempt ${step.attempts})`;
  if (step.state === 'failed')
    return `${action}: step ${id} ran attempt ${step.attempts} and failed again${step.held ? ' (held again)' : ''}`;
  return `${action}: step ${id} is now ${step.state}`;
}

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
      .option(
        '--approver <name>',
        'who votes, only when the API runs without tokens (default $PHASEGATE_APPROVER); with a token, the token decides',
      )
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
        const api = ctx.api(cmd);
        const accepted = await api.act(runId, step, action, o.comment);
        const settled = await settledStep(api, runId, accepted);
        ctx.print(cmd, settled ?? accepted, () => actionLine(action, step, settled));
      });
  }
}
