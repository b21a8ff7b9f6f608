/**
 * Signed Signal decisions (SPEC §4): when the API has tokens configured, a `decide` Signal counts
 * only if it carries `signature: "v1:<hex>"`, the HMAC-SHA256 with `PHASEGATE_SIGNING_KEY` of the
 * decision *for that run* (so a signature cannot be replayed on another run). `phase sign` makes
 * one; the worker checks it in the `verifyDecisionSignature` local activity, so the key never
 * enters workflow code or its history. Used by the CLI (sign) and the worker (verify).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a decision signature covers. */
export interface SignedDecision {
  gate: string;
  decision: string;
  approver: string;
  comment?: string;
}

/** Version prefix of signatures, so the scheme can change without ambiguity. */
export const SIGNATURE_PREFIX = 'v1:';

/**
 * The exact bytes signed: a fixed label, the run id and each field on its own line, each
 * length-prefixed so no field can absorb a neighbour (`gate "a\nb"` cannot pose as two fields).
 */
export function decisionSigningText(runId: string, d: SignedDecision): string {
  const fields = [runId, d.gate, d.decision, d.approver, d.comment ?? ''];
  return `phasegate-decision-v1\n${fields.map((f) => `${f.length}:${f}`).join('\n')}`;
}

/** The signature of `d` for run `runId` with `key`. */
export function signDecision(key: string, runId: string, d: SignedDecision): string {
  return SIGNATURE_PREFIX + createHmac('sha256', key).update(decisionSigningText(runId, d), 'utf8').digest('hex');
}

/** True when `signature` is the signature of `d` for `runId` with `key` (compared in constant time). */
export function verifyDecision(key: string, runId: string, d: SignedDecision, signature: unknown): boolean {
  if (typeof signature !== 'string' || !signature.startsWith(SIGNATURE_PREFIX)) return false;
  const expected = Buffer.from(signDecision(key, runId, d), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
