/**
 * Runs the `phase` CLI for an argv and returns the exit code, printing errors the way a user (or,
 * with `--json`, a script) wants them. Kept apart from `main.ts` so tests can call it in-process.
 */
import { CommanderError } from 'commander';
import { ApiRequestError } from './api-client';
import { CliError, ExitCode, type ExitCodeValue } from './exit-codes';
import { processIo, type CliIo } from './context';
import { buildProgram } from './program';

/** Runs the CLI with `argv` (without `node` and the script) and resolves with its exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<ExitCodeValue> {
  let exit: ExitCodeValue = ExitCode.OK;
  const program = buildProgram(io, (code) => {
    exit = code;
  });
  const json = argv.slice(0, argv.includes('--') ? argv.indexOf('--') : argv.length).includes('--json');
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exit;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed its message (or the help).
      return err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version'
        ? ExitCode.OK
        : ExitCode.USAGE;
    }
    if (err instanceof ApiRequestError) {
      if (json)
        io.out(
          `${JSON.stringify({ error: err.message, status: err.status, ...(err.details.length ? { details: err.details } : {}) }, null, 2)}\n`,
        );
      else
        io.err(`error: ${err.message}\n${err.details.map((d) => `  ${d.path || '(body)'}: ${d.message}\n`).join('')}`);
      return err.exitCode;
    }
    if (err instanceof CliError) {
      if (json) io.out(`${JSON.stringify({ error: err.message }, null, 2)}\n`);
      else io.err(`error: ${err.message}\n`);
      return err.exitCode;
    }
    io.err(`error: ${(err as Error).message ?? String(err)}\n`);
    return ExitCode.SERVER;
  }
}
