/**
 * Reads what a report needs from Temporal: the run's `status` query (as the workflow answers it:
 * this is what the receipt hashes) and the execution's Temporal run id; for a program, the same
 * for each phase that has a run. Used by the API route, and through it by the CLI and MCP tools.
 */
import type { Client } from '@temporalio/client';
import { statusQuery } from '../../workflows/messages';
import type { RunStatus } from '../../workflows/status';
import { buildReport } from './build';
import type { Report } from './schema';

/** The status and Temporal run id of a run; throws what the Temporal client throws (e.g. not found). */
export async function readRunRecord(
  client: Client,
  runId: string,
): Promise<{ status: RunStatus; temporalRunId: string | null }> {
  const handle = client.workflow.getHandle(runId);
  const [status, described] = await Promise.all([handle.query(statusQuery), handle.describe()]);
  return { status, temporalRunId: described.runId ?? null };
}

/**
 * The report of run `runId`. A program's phases are read too; a phase run that cannot be read
 * (not started, or gone) gets no report of its own, and the program's report says so.
 */
export async function loadReport(client: Client, runId: string): Promise<Report> {
  const record = await readRunRecord(client, runId);
  const phases = record.status.phases ?? [];
  const phaseReports = await Promise.all(
    phases.map(async (p) => {
      if (!p.runId) return null;
      try {
        const child = await readRunRecord(client, p.runId);
        return buildReport(child);
      } catch {
        return null;
      }
    }),
  );
  return buildReport({ ...record, phaseReports });
}
