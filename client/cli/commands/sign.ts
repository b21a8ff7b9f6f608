/**
 * `phase sign <run> <gate> <go|no-go> --approver <name> [--comment <text>]`: prints a `decide`
 * Signal payload signed with `PHASEGATE_SIGNING_KEY`, for the Temporal UI ("Send a Signal") or
 * `temporal workflow signal`. Runs started by an API with tokens count a Signal decision only with
 * such a signature (SPEC §4). Local: nothing is sent; the key never leaves this machine.
 */
import type { Command } from 'commander';
import { signDecision, type SignedDecision } from '../../../config/signing';
import type { CommandContext } from '../context';
import { CliError, ExitCode } from '../exit-codes';

/** Registers `phase sign`. */
export function registerSignCommand(program: Command, ctx: CommandContext): void {
  program
    .command('sign')
    .description(
      'print a signed decide-signal payload for the Temporal UI or `temporal workflow signal` (needs PHASEGATE_SIGNING_KEY)',
    )
    .argument('<run>', 'run id (the workflow id the signal goes to; for a program, its phase run <program>--<phase>)')
    .argument('<gate>', 'gate step id')
    .argument('<decision>', 'go or no-go')
    .requiredOption('--approver <name>', "who decides (must be on the gate's approver list)")
    .option('--comment <text>', 'comment kept in the audit trail')
    .action(
      (runId: string, gate: string, decision: string, opts: { approver: string; comment?: string }, cmd: Command) => {
        const key = ctx.io.env.PHASEGATE_SIGNING_KEY;
        if (!key)
          throw new CliError('PHASEGATE_SIGNING_KEY is not set: set it to the key the workers have', ExitCode.USAGE);
        if (decision !== 'go' && decision !== 'no-go')
          throw new CliError(`decision must be go or no-go, not "${decision}"`, ExitCode.USAGE);
        const d: SignedDecision = {
          gate,
          decision,
          approver: opts.approver,
          ...(opts.comment !== undefined ? { comment: opts.comment } : {}),
        };
        const payload = { ...d, signature: signDecision(key, runId, d) };
        const text = JSON.stringify(payload);
        ctx.print(cmd, payload, () =>
          [
            text,
            '',
            'Send it as the input of the "decide" signal, e.g.:',
            `  temporal workflow signal --workflow-id ${runId} --name decide --input '${text.replace(/'/g, "'\\''")}'`,
          ].join('\n'),
        );
      },
    );
}
