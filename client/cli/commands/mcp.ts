/** `phase mcp`: an MCP server on stdio for AI clients (SPEC §6, §9), talking to the API like every command. */
import type { Command } from 'commander';
import { runStdioServer } from '../../mcp/stdio';
import type { CommandContext } from '../context';

/** Registers `phase mcp`. */
export function registerMcpCommand(program: Command, ctx: CommandContext): void {
  program
    .command('mcp')
    .description(
      'serve MCP on stdin/stdout for AI clients (tools: next_task, complete_task, decide, …); uses --url/PHASEGATE_URL and --token/PHASEGATE_TOKEN',
    )
    .action(async (_o: object, cmd: Command) => {
      const g = ctx.globals(cmd);
      // stdout belongs to MCP messages: notes go to stderr.
      await runStdioServer({
        url: g.url,
        ...(g.token ? { token: g.token } : {}),
        log: (line) => ctx.io.err(`${line}\n`),
      });
    });
}
