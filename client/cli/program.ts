/**
 * The `phase` command line (SPEC §6): every command talks to the HTTP API (`PHASEGATE_URL`, token
 * in `PHASEGATE_TOKEN`) except `validate`, which checks a plan file locally. Human output by
 * default, `--json` for scripts; exit codes in `exit-codes.ts`.
 */
import { Command, Option } from 'commander';
import { DEFAULT_API_URL } from './api-client';
import { registerAgentCommands } from './commands/agent';
import { registerDecisionCommands } from './commands/decisions';
import { registerMcpCommand } from './commands/mcp';
import { registerPlanCommands } from './commands/plans';
import { registerReportCommands } from './commands/report';
import { registerRunCommands } from './commands/runs';
import { registerScheduleCommands } from './commands/schedule';
import { registerSignCommand } from './commands/sign';
import { commandContext, type CliIo } from './context';
import type { ExitCodeValue } from './exit-codes';

/** Builds the program. `setExit` receives the exit code of the command that ran. */
export function buildProgram(io: CliIo, setExit: (code: ExitCodeValue) => void): Command {
  const program = new Command('phase');
  program
    .description('Phasegate: run project phases durably on Temporal')
    .addOption(new Option('--url <url>', 'Phasegate API base URL').env('PHASEGATE_URL').default(DEFAULT_API_URL))
    .addOption(new Option('--token <token>', 'API bearer token').env('PHASEGATE_TOKEN'))
    .option('--json', 'machine-readable JSON output')
    .showHelpAfterError('(run phase --help for usage)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    // Usage errors must become exit code 2, not commander's own exit.
    .exitOverride();
  const ctx = commandContext(io, setExit);
  registerPlanCommands(program, ctx);
  registerRunCommands(program, ctx);
  registerDecisionCommands(program, ctx);
  registerAgentCommands(program, ctx);
  registerMcpCommand(program, ctx);
  registerReportCommands(program, ctx);
  registerScheduleCommands(program, ctx);
  registerSignCommand(program, ctx);
  return program;
}
