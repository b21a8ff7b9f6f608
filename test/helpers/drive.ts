/**
 * Plays the approvers of a run in end-to-end tests: votes on every gate that waits for decisions,
 * following a program into its open child phases, until the run has an outcome. Independent of
 * how the server was started (dev server or the PostgreSQL cluster): it only needs a client.
 */
import assert from 'node:assert/strict';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { decideUpdate, statusQuery } from '../../workflows/messages';
import type { RunStatus } from '../../workflows/status';

/** `go`: a quorum of approvers votes go on every gate; `no-go`: the first approver rejects the first gate. */
export type DriveDecision = 'go' | 'no-go';

/** The run itself, or for a program its phases that have no outcome yet. */
function openTargets(client: Client, handle: WorkflowHandle, status: RunStatus): WorkflowHandle[] {
  if (status.kind !== 'program') return [handle];
  return (status.phases ?? []).flatMap((p) =>
    p.outcome === null && p.runId !== null ? [client.workflow.getHandle(p.runId)] : [],
  );
}

/**
 * Polls the run every 250ms and votes `decision` on each gate in `awaiting-approval`, once per
 * approver (the workflow keeps votes, so re-sending would only be rejected as a duplicate).
 * A held step fails the test at once: a seed plan with passing tasks must never hold.
 * Returns the final status; throws when there is no outcome within `timeoutMs`.
 */
export async function drive(
  client: Client,
  handle: WorkflowHandle,
  decision: DriveDecision,
  timeoutMs = 120_000,
): Promise<RunStatus> {
  const deadline = Date.now() + timeoutMs;
  const voted = new Set<string>();
  while (Date.now() < deadline) {
    // The first workflow task may not have run yet, or a query may time out under load: try again.
    const status = await handle.query(statusQuery).catch(() => undefined);
    if (status?.outcome) return status;
    for (const h of status ? openTargets(client, handle, status) : []) {
      const s = await h.query(statusQuery).catch(() => undefined);
      assert.ok(
        !s || s.state !== 'held',
        `unexpected hold in ${h.workflowId}: ${JSON.stringify(s?.steps.filter((x) => x.held))}`,
      );
      for (const g of s?.gates ?? []) {
        if (g.state !== 'awaiting-approval') continue;
        const approvers = g.approvers.length > 0 ? g.approvers : ['operator'];
        const needed = decision === 'go' ? Math.max(g.quorum, 1) : 1;
        for (const approver of approvers.slice(0, needed)) {
          const key = `${h.workflowId}/${g.id}/${approver}`;
          if (voted.has(key)) continue;
          voted.add(key);
          await h.executeUpdate(decideUpdate, {
            args: [{ gate: g.id, decision, approver, comment: `test ${decision}` }],
          });
        }
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`run ${handle.workflowId} did not finish in ${timeoutMs}ms`);
}
