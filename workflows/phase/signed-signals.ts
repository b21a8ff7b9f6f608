/**
 * Signed Signal decisions (SPEC §4): a run started by an API with tokens counts a `decide` Signal
 * only when its signature checks out. The check needs `PHASEGATE_SIGNING_KEY`, which must never
 * enter workflow code or history, so the worker does it in the `verifyDecisionSignature` local
 * activity (a marker in history holds only the verdict). That is a new command, hence the patch;
 * runs without `signedSignals` never reach it, so their histories are unchanged.
 */
import { patched, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { errorMessage } from '../failures';
import type { Decision } from '../messages';
import type { PhaseRun } from './run';

/** Patch id of the signature check. */
export const SIGNED_SIGNALS_PATCH = 'signed-signal-decisions';

const { verifyDecisionSignature } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 3, initialInterval: '200ms' },
  summary: 'verify the signature of a signal decision',
});

/** Why a signal decision does not count for lack of a valid signature, or null when it may count. */
export async function signatureProblem(run: PhaseRun, d: Decision): Promise<string | null> {
  if (!patched(SIGNED_SIGNALS_PATCH)) return null;
  // Unsigned: refused without asking the worker (no command for a decision that cannot count).
  if (typeof d?.signature !== 'string')
    return 'unsigned: this run needs signed signal decisions (make one with `phase sign`)';
  try {
    const verdict = await verifyDecisionSignature({ runId: run.status.runId, decision: d });
    return verdict.valid ? null : (verdict.reason ?? 'invalid signature');
  } catch (err) {
    return `the signature could not be checked: ${errorMessage(err)}`;
  }
}
