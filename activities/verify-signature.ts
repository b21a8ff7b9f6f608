/**
 * `verifyDecisionSignature`, run as a local activity by a phase run whose Signal decisions must be
 * signed (started by an API with tokens): checks the decision's `signature` against
 * `PHASEGATE_SIGNING_KEY` on the worker. The key stays in the worker's environment; the workflow
 * (and so its history) only ever sees the verdict.
 */
import type { Decision } from '../workflows/messages';
import { verifyDecision } from '../config/signing';

/** The input: the run the decision was sent to, and the decision as received. */
export interface VerifyDecisionInput {
  runId: string;
  decision: Decision;
}

/** The verdict; `reason` says why a signature does not count (never the key or the expected value). */
export interface VerifyDecisionResult {
  valid: boolean;
  reason?: string;
}

/** Checks one signed decision. Never throws for a bad signature: it answers `valid: false`. */
export async function verifyDecisionSignature(input: VerifyDecisionInput): Promise<VerifyDecisionResult> {
  const key = process.env.PHASEGATE_SIGNING_KEY;
  if (!key)
    return { valid: false, reason: 'this worker has no PHASEGATE_SIGNING_KEY, so no signed decision can count' };
  const d = input.decision;
  if (d.signature === undefined)
    return { valid: false, reason: 'unsigned: signal decisions on this run need a signature (phase sign)' };
  const ok = verifyDecision(
    key,
    input.runId,
    {
      gate: d.gate,
      decision: d.decision,
      approver: d.approver,
      ...(d.comment !== undefined ? { comment: d.comment } : {}),
    },
    d.signature,
  );
  return ok ? { valid: true } : { valid: false, reason: 'the signature does not match this decision on this run' };
}
