/** `phase tasks <agent>` and `phase agent <name> -- <command…>`. */
import type { Command } from 'commander';
import { runAgent, type AgentEvent } from '../agent-runner';
import { parseInterval, positiveInt, type CommandContext } from '../context';
import { renderTasks, type Paint } from '../render';

/** One human line per agent event. */
export function describeEvent(e: AgentEvent, paint: Paint): string {
  switch (e.event) {
    case 'waiting':
      return paint('gray', `waiting for ${e.agent} tasks…`);
    case 'idle':
      return paint('yellow', `no ${e.agent} task within ${Math.round(e.waitedMs / 1000)}s: giving up`);
    case 'claimed':
      return `claimed ${e.runId}/${e.stepId} (attempt ${e.attempt}) as ${e.claimedBy}`;
    case 'skipped':
      return paint('gray', `skipped ${e.runId}/${e.stepId}: ${e.reason}`);
    case 'completed':
      return `${paint('green', 'completed')} ${e.runId}/${e.stepId}${Object.keys(e.metrics).length ? ` metrics: ${JSON.stringify(e.metrics)}` : ''}`;
    case 'failed':
      return `${paint('red', 'failed')} ${e.runId}/${e.stepId}: ${e.reason}`;
    case 'lost':
      return `${paint('yellow', 'lost')} ${e.runId}/${e.stepId}: ${e.reason}`;
    case 'error':
      return `${paint('red', 'error')}: ${e.message}`;
  }
}

/** Registers the agent commands. */
export function registerAgentCommands(program: Command, ctx: CommandContext): void {
  const { io, paint } = ctx;
  program
    .command('tasks')
    .description('list open agent tasks for an agent')
    .argument('<agent>', 'agent name')
    .action(async (agent: string, _o: object, cmd: Command) => {
      const tasks = await ctx.api(cmd).agentTasks(agent);
      ctx.print(cmd, tasks, () => renderTasks(tasks, paint));
    });

  program
    .command('agent')
    .description("claim an agent's tasks one by one and run a command for each (task JSON on stdin, ::metric name=value lines on stdout)")
    .argument('<name>', 'agent name')
    .argument('<command...>', 'command and arguments, after --')
    .option('--once', 'handle one task, then exit (0 completed, 1 failed)')
    .option('--max-tasks <n>', 'exit after this many tasks')
    .option('--poll <duration>', 'wait between polls when idle', '2s')
    .option('--idle-timeout <duration>', 'exit with code 3 when no task comes within this long (default: wait forever)')
    .option('--heartbeat <duration>', 'heartbeat interval while the command runs', '5s')
    .option('--claimant <id>', 'claim as this identity (default: token identity, else the agent name)')
    .action(async (agent: string, command: string[], o: { once?: boolean; maxTasks?: string; poll: string; idleTimeout?: string; heartbeat: string; claimant?: string }, cmd: Command) => {
      const json = ctx.globals(cmd).json === true;
      const maxTasks = o.once ? 1 : o.maxTasks !== undefined ? positiveInt(o.maxTasks, '--max-tasks') : undefined;
      const pollMs = parseInterval(o.poll, '--poll');
      const idleTimeoutMs = o.idleTimeout !== undefined ? parseInterval(o.idleTimeout, '--idle-timeout') : undefined;
      const heartbeatMs = parseInterval(o.heartbeat, '--heartbeat');
      // Ctrl-C stops the loop; a running command is killed and its attempt failed as retryable.
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const code = await runAgent({
          api: ctx.api(cmd),
          agent,
          command,
          ...(o.claimant ? { claimant: o.claimant } : {}),
          pollMs,
          heartbeatMs,
          ...(maxTasks !== undefined ? { maxTasks } : {}),
          ...(idleTimeoutMs !== undefined ? { idleTimeoutMs } : {}),
          // With --json, stdout carries only the JSON events; the command's own output goes to stderr.
          emit: (e) => (json ? io.out(`${JSON.stringify(e)}\n`) : io.err(`${describeEvent(e, paint)}\n`)),
          echo: (line) => (json ? io.err(`${line}\n`) : io.out(`${line}\n`)),
          signal: controller.signal,
        });
        ctx.setExit(code);
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
