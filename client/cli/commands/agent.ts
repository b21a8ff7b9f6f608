/** `phase tasks <agent>` and `phase agent <name> -- <command…>`. */
import type { Command } from 'commander';
import { defaultLabel, runAgent, type AgentEvent } from '../agent-runner';
import { PhasegateApi } from '../api-client';
import { parseInterval, positiveInt, type CommandContext } from '../context';
import { CliError, ExitCode } from '../exit-codes';
import { renderTasks, type Paint } from '../render';

/** One human line per agent event. */
export function describeEvent(e: AgentEvent, paint: Paint): string {
  switch (e.event) {
    case 'waiting':
      return paint('gray', `waiting for ${e.agent} tasks…`);
    case 'idle':
      // The configured timeout, not the measured wait (a long poll may overshoot it a little).
      return paint('yellow', `no ${e.agent} task within ${Math.round((e.timeoutMs ?? e.waitedMs) / 1000)}s: giving up`);
    case 'claimed':
      return `leased ${e.runId}/${e.stepId} (attempt ${e.attempt}) as ${e.claimedBy}${e.label ? ` [${e.label}]` : ''}, lease ${e.leaseId}`;
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

interface AgentOptions {
  once?: boolean;
  maxTasks?: string;
  run?: string;
  label?: string;
  wait: string;
  poll: string;
  idleTimeout?: string;
  heartbeat: string;
  claimant?: string;
}

/** Registers the agent commands. */
export function registerAgentCommands(program: Command, ctx: CommandContext): void {
  program
    .command('tasks')
    .description('list open agent tasks for an agent')
    .argument('<agent>', 'agent name')
    .action(async (agent: string, _o: object, cmd: Command) => {
      const tasks = await ctx.api(cmd).agentTasks(agent);
      ctx.print(cmd, tasks, () => renderTasks(tasks, ctx.paint));
    });
  registerAgentCommand(program, ctx);
}

/** `phase agent <name> -- <command…>`: its options and defaults. */
function registerAgentCommand(program: Command, ctx: CommandContext): void {
  program
    .command('agent')
    .description(
      "claim an agent's tasks one by one and run a command for each (task JSON on stdin, ::metric name=value lines on stdout)",
    )
    .argument('<name>', 'agent name')
    .argument('<command...>', 'command and arguments, after --')
    .option('--once', 'handle one task, then exit (0 completed, 1 failed)')
    .option('--max-tasks <n>', 'exit after this many tasks')
    .option('--run <runId>', 'only take tasks of this run')
    .option('--label <text>', 'label shown next to the identity on each lease (default: <host>/<pid>)')
    .option('--wait <duration>', 'longest wait of one claim request (long poll, at most 60s)', '10s')
    .option('--poll <duration>', 'pause after an API error before asking again', '2s')
    .option('--idle-timeout <duration>', 'exit with code 3 when no task comes within this long (default: wait forever)')
    .option('--heartbeat <duration>', 'heartbeat interval while the command runs', '5s')
    .option(
      '--claimant <id>',
      "without tokens: hold leases as this identity (default: the agent name); with tokens the identity is the token's",
    )
    .action((agent: string, command: string[], o: AgentOptions, cmd: Command) =>
      runAgentCommand(ctx, cmd, { agent, command, o }),
    );
}

/** The runner's timings and limits from the options; a usage error (exit 2) for a bad value. */
function agentLimits(o: AgentOptions) {
  const maxTasks = o.once ? 1 : o.maxTasks !== undefined ? positiveInt(o.maxTasks, '--max-tasks') : undefined;
  const pollMs = parseInterval(o.poll, '--poll');
  const idleTimeoutMs = o.idleTimeout !== undefined ? parseInterval(o.idleTimeout, '--idle-timeout') : undefined;
  const heartbeatMs = parseInterval(o.heartbeat, '--heartbeat');
  const waitMs = parseInterval(o.wait, '--wait');
  if (waitMs > 60_000) throw new CliError(`--wait: "${o.wait}" is more than 60s`, ExitCode.USAGE);
  return { maxTasks, pollMs, idleTimeoutMs, heartbeatMs, waitMs };
}

/**
 * Runs the agent loop until it ends or Ctrl-C (SIGINT/SIGTERM) stops it, and exits with its code.
 * With `--json`, events go to stdout as JSON lines and the command's output to stderr.
 */
async function runAgentCommand(
  ctx: CommandContext,
  cmd: Command,
  { agent, command, o }: { agent: string; command: string[]; o: AgentOptions },
): Promise<void> {
  const { io, paint } = ctx;
  const json = ctx.globals(cmd).json === true;
  const { maxTasks, pollMs, idleTimeoutMs, heartbeatMs, waitMs } = agentLimits(o);
  // Each claim may be held open for `wait`: the request timeout must outlast it.
  const g = ctx.globals(cmd);
  const api = new PhasegateApi(g.url, g.token, waitMs + 30_000);
  // Ctrl-C stops the loop; a running command is killed and its attempt failed as retryable.
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const code = await runAgent({
      api,
      agent,
      command,
      ...(o.claimant ? { claimant: o.claimant } : {}),
      ...(o.run ? { runId: o.run } : {}),
      label: o.label ?? defaultLabel(),
      waitMs,
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
}
