/** Following a run until it ends: `status --watch` and `start --wait/--watch`. */
import type { Command } from 'commander';
import type { RunStatus } from '../../workflows/status';
import { ApiRequestError } from './api-client';
import type { CommandContext } from './context';
import { renderStatus } from './render';

/** How long `503` answers (worker restarting, run not started yet) are waited out. */
const UNAVAILABLE_PATIENCE_MS = 120_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls a run until it has an outcome and returns the final status. With `watch`, shows each
 * change: redrawn in place on a terminal, one block per change when piped, one JSON line per
 * change with `--json`.
 */
export async function followRun(
  ctx: CommandContext,
  cmd: Command,
  runId: string,
  opts: { watch: boolean; intervalMs: number },
): Promise<RunStatus> {
  const { io } = ctx;
  const json = ctx.globals(cmd).json === true;
  const client = ctx.api(cmd);
  let lastShown = '';
  let unavailableSince: number | undefined;
  if (opts.watch && io.isTTY && !json) io.out('\x1b[2J');
  for (;;) {
    let status: RunStatus;
    try {
      status = await client.status(runId);
      unavailableSince = undefined;
    } catch (err) {
      if (err instanceof ApiRequestError && err.status === 503) {
        unavailableSince ??= Date.now();
        if (Date.now() - unavailableSince < UNAVAILABLE_PATIENCE_MS) {
          await sleep(opts.intervalMs);
          continue;
        }
      }
      throw err;
    }
    if (opts.watch) {
      const text = json ? JSON.stringify(status) : renderStatus(status, ctx.paint);
      // On a terminal the elapsed times change every tick, so redraw each time; elsewhere only changes.
      if (text !== lastShown || (!json && io.isTTY)) {
        if (json) io.out(`${text}\n`);
        // Redraw in place: cursor home, each line cleared to its end, then the rest of the screen.
        else if (io.isTTY)
          io.out(
            `\x1b[H${text
              .split('\n')
              .map((l) => `${l}\x1b[K`)
              .join('\n')}\n\x1b[J`,
          );
        else io.out(`${text}\n\n`);
        lastShown = text;
      }
    }
    if (status.outcome !== null) return status;
    await sleep(opts.intervalMs);
  }
}
