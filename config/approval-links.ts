/**
 * Signed approval links (approve by link): the worker signs one link per approver into each
 * `approval-requested` notification; the API verifies it. A link is
 * `<base64url(JSON claims)>.<base64url(HMAC-SHA256(claims, PHASEGATE_LINK_SECRET))>`, the claims
 * naming run, gate, approver, expiry and a nonce. Verification compares the MAC in constant time.
 * Single use is not kept here: the vote records the nonce (`linkNonce`) and a reused link finds it.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a link grants: one vote by `approver` on `gate` of `run`, until `exp` (epoch seconds). */
export interface LinkClaims {
  run: string;
  gate: string;
  approver: string;
  exp: number;
  nonce: string;
}

/** Longest a link lives when its gate has no timeout (or a later one). */
export const LINK_MAX_AGE_MS = 7 * 86_400_000;

/** Thrown for a link that is malformed, forged, or expired; `reason` says which, for the 4xx page. */
export class LinkError extends Error {
  constructor(
    readonly reason: 'malformed' | 'tampered' | 'expired',
    message: string,
  ) {
    super(message);
  }
}

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload, 'utf8').digest();
}

/** Signs a link token for `claims` (a fresh random nonce unless given). */
export function signLink(secret: string, claims: Omit<LinkClaims, 'nonce'> & { nonce?: string }): string {
  const full: LinkClaims = { ...claims, nonce: claims.nonce ?? randomBytes(12).toString('base64url') };
  const payload = Buffer.from(JSON.stringify(full), 'utf8').toString('base64url');
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

/** The expiry of a link for a gate due at `due` (ISO or null), issued at `now`: the due time, at most 7 days on. */
export function linkExpiry(due: string | null | undefined, now = Date.now()): number {
  const cap = now + LINK_MAX_AGE_MS;
  const at = due ? Math.min(Date.parse(due), cap) : cap;
  return Math.floor((Number.isFinite(at) ? at : cap) / 1000);
}

/**
 * The claims of a valid, unexpired link. Throws {@link LinkError}: `malformed` (not a link),
 * `tampered` (the MAC does not match: edited, or signed with another secret), `expired`.
 */
export function verifyLink(secret: string, token: string, now = Date.now()): LinkClaims {
  const m = /^([A-Za-z0-9_-]{10,4000})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) throw new LinkError('malformed', 'this is not an approval link');
  const [, payload, sig] = m as unknown as [string, string, string];
  const expected = mac(secret, payload);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new LinkError('tampered', 'this approval link is not valid: it was altered or not issued by this Phasegate');
  let claims: LinkClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as LinkClaims;
  } catch {
    throw new LinkError('malformed', 'this is not an approval link');
  }
  if (
    ![claims.run, claims.gate, claims.approver, claims.nonce].every((v) => typeof v === 'string' && v !== '') ||
    typeof claims.exp !== 'number'
  ) {
    throw new LinkError('malformed', 'this is not an approval link');
  }
  if (claims.exp * 1000 <= now)
    throw new LinkError('expired', `this approval link expired at ${new Date(claims.exp * 1000).toISOString()}`);
  return claims;
}
