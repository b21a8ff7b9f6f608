/** `phase report <run> [--json] [-o file]` and `phase report --verify <file>`. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { renderReportMarkdown } from '../../report/markdown';
import type { Report } from '../../report/schema';
import { compareReports, parseReceipt } from '../../report/verify';
import type { PhasegateApi } from '../api-client';
import type { CommandContext } from '../context';
import { CliError, ExitCode } from '../exit-codes';

/**
 * The run's report from `GET /api/runs/:runId/report?format=json`. The markdown form is rendered
 * here with the same renderer the API uses, so both forms come from one answer.
 */
function fetchReport(api: PhasegateApi, runId: string): Promise<Report> {
  return api.request<Report>('GET', `/api/runs/${encodeURIComponent(runId)}/report?format=json`);
}

function readSaved(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      ExitCode.USAGE,
    );
  }
}

/**
 * `--verify`: fetches the report of the run the file's receipt names, in the file's format, and
 * compares receipt and text. Exit 0 on a match, 1 on a mismatch, 2 when the file has no receipt.
 */
async function verify(ctx: CommandContext, cmd: Command, file: string): Promise<void> {
  const saved = readSaved(file);
  const receipt = parseReceipt(saved);
  if (!receipt) throw new CliError(`${file}: no receipt found (not a Phasegate report?)`, ExitCode.USAGE);
  const api = ctx.api(cmd);
  const liveJson = await fetchReport(api, receipt.workflowId);
  const live = receipt.format === 'json' ? JSON.stringify(liveJson) : renderReportMarkdown(liveJson);
  const verdict = compareReports(saved, receipt, live, liveJson.receipt);
  ctx.print(cmd, { file, runId: receipt.workflowId, match: verdict.match, details: verdict.lines }, () =>
    [
      `${verdict.match ? 'match' : 'MISMATCH'}: ${file} against run ${receipt.workflowId}`,
      ...verdict.lines.map((l) => `  ${l}`),
    ].join('\n'),
  );
  ctx.setExit(verdict.match ? ExitCode.OK : ExitCode.RUN_FAILED);
}

/** Registers `phase report`. */
export function registerReportCommands(program: Command, ctx: CommandContext): void {
  program
    .command('report')
    .description(
      'the completion report of a run (markdown; --json for JSON), ending with a receipt; --verify checks a saved one',
    )
    .argument('[run]', 'run id')
    .option('-o, --output <file>', 'write the report to this file instead of stdout')
    .option('--verify <file>', 'recompute the receipt of a saved report from the live run: exit 0 match, 1 mismatch')
    .action(async (runId: string | undefined, o: { output?: string; verify?: string }, cmd: Command) => {
      if (o.verify) return verify(ctx, cmd, o.verify);
      if (!runId) throw new CliError('report: give a run id, or --verify <file>', ExitCode.USAGE);
      const api = ctx.api(cmd);
      const json = ctx.globals(cmd).json === true;
      const report = await fetchReport(api, runId);
      const text = json ? `${JSON.stringify(report, null, 2)}\n` : renderReportMarkdown(report);
      if (!o.output) {
        ctx.io.out(text);
        return;
      }
      try {
        writeFileSync(o.output, text);
      } catch (err) {
        throw new CliError(
          `cannot write ${o.output}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
          ExitCode.USAGE,
        );
      }
      ctx.io.err(`report of ${runId} written to ${o.output}\n`);
    });
}
