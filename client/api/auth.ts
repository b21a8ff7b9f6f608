/**
 * Bearer-token auth. Tokens come from `PHASEGATE_TOKENS` and/or `PHASEGATE_TOKENS_FILE`; each maps
 * to an identity and roles:
 * - `operator`: start, cancel, retry, skip;
 * - `approver`: decisions (the approver of a vote is the token identity, never the body);
 * - `agent`: list, claim, heartbeat, complete and fail the tasks of the agent named like its
 *   identity, or of those listed in the token's `agents`;
 * - `author`: start plans that are not bundled (inline plans, programs with inline phases), which
 *   run their shell tasks on the worker (`PHASEGATE_INLINE_PLANS` decides who else may).
 *
 * Only SHA-256 digests of the tokens are kept, and a presented token is compared with every one of
 * them with `timingSafeEqual` on equal-length digests, so neither the time taken nor an early exit
 * tells how much of a guess was right.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import { listSetting, specEntries } from '../../config/env';
import { ApiError } from './api-error';

/** The roles a token can carry. */
export const RoleSchema = z.enum(['operator', 'approver', 'agent', 'author']);
/** A role. */
export type Role = z.infer<typeof RoleSchema>;

/** One token's grant, as written in the JSON form of the token map. */
export const TokenGrantSchema = z.strictObject({
  identity: z.string().trim().min(1).max(200),
  roles: z.array(RoleSchema).min(1),
  agents: z.array(z.string().min(1).max(200)).optional(),
  /** Approver groups this identity belongs to (besides `PHASEGATE_GROUPS`): `group:<name>` approvers. */
  groups: z
    .array(
      z.string().regex(/^[a-z0-9][a-z0-9_-]{0,99}$/, { message: 'group names use lowercase letters, digits, - and _' }),
    )
    .optional(),
});
/** A token grant. */
export type TokenGrant = z.infer<typeof TokenGrantSchema>;

/** The JSON form: `{"<token>": {identity, roles, agents?, groups?}}`. */
export const TokenMapSchema = z.record(z.string().min(1), TokenGrantSchema);
/** A token map. */
export type TokenMap = z.infer<typeof TokenMapSchema>;

/** Who made a request, once authenticated. */
export interface Principal {
  identity: string;
  roles: ReadonlySet<Role>;
  /** Agent names this principal may act for (its identity included). */
  agents: ReadonlySet<string>;
  /** Approver groups of the token (`groups`); `PHASEGATE_GROUPS` membership is separate. */
  groups: ReadonlySet<string>;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * Parses the `PHASEGATE_TOKENS` text: JSON (`{"tok": {"identity": "ci", "roles": ["operator"]}}`)
 * or `token=identity:role1,role2;token2=identity2:role`. Throws an Error naming the bad entry.
 */
export function parseTokenSpec(spec: string, source = 'PHASEGATE_TOKENS'): TokenMap {
  const text = spec.trim();
  if (text === '') return {};
  if (text.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new Error(`${source}: malformed JSON: ${(err as Error).message}`);
    }
    const parsed = TokenMapSchema.safeParse(json);
    if (!parsed.success) {
      // Never echo a token: name the entry by its position only.
      const keys = Object.keys(json as object);
      const lines = parsed.error.issues.map((i) => {
        const [first, ...rest] = i.path;
        const where =
          typeof first === 'string'
            ? `token #${keys.indexOf(first) + 1}${rest.length ? `.${rest.join('.')}` : ''}`
            : 'token map';
        return `${where}: ${i.message}`;
      });
      throw new Error(`${source}: ${lines.join('; ')}`);
    }
    return parsed.data;
  }
  const map: TokenMap = {};
  for (const { entry, where } of specEntries(text, source)) {
    const eq = entry.indexOf('=');
    const colon = entry.indexOf(':', eq + 1);
    if (eq <= 0 || colon < 0) throw new Error(`${where}: expected token=identity:role1,role2`);
    const token = entry.slice(0, eq).trim();
    const identity = entry.slice(eq + 1, colon).trim();
    const roles = listSetting(entry.slice(colon + 1));
    const grant = TokenGrantSchema.safeParse({ identity, roles });
    if (!grant.success)
      throw new Error(
        `${where}: ${grant.error.issues.map((x) => `${x.path.join('.') || 'grant'}: ${x.message}`).join('; ')}`,
      );
    if (Object.hasOwn(map, token)) throw new Error(`${where}: the same token appears twice`);
    map[token] = grant.data;
  }
  return map;
}

/** Checks presented tokens against the configured ones. */
export class TokenStore {
  private readonly entries: { digest: Buffer; principal: Principal }[];

  constructor(map: TokenMap) {
    this.entries = Object.entries(map).map(([token, grant]) => ({
      digest: digest(token),
      principal: {
        identity: grant.identity,
        roles: new Set(grant.roles),
        agents: new Set([grant.identity, ...(grant.agents ?? [])]),
        groups: new Set(grant.groups ?? []),
      },
    }));
  }

  /** Each token's identity with its groups (for the group directory: who is in `group:<name>`). */
  tokenGroups(): { identity: string; groups: string[] }[] {
    return this.entries
      .filter((e) => e.principal.groups.size > 0)
      .map((e) => ({ identity: e.principal.identity, groups: [...e.principal.groups] }));
  }

  /** Number of configured tokens; 0 means auth is off. */
  get size(): number {
    return this.entries.length;
  }

  /** The principal of `token`, or undefined. Compares against every entry, in constant time each. */
  authenticate(token: string): Principal | undefined {
    const presented = digest(token);
    let found: Principal | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(presented, entry.digest) && !found) found = entry.principal;
    }
    return found;
  }
}

/**
 * Builds the token store from the environment. Both sources may be used; a token defined twice is
 * an error. Throws an Error with a message fit for the console (never containing a token).
 */
export function loadTokenStore(env: {
  PHASEGATE_TOKENS?: string | undefined;
  PHASEGATE_TOKENS_FILE?: string | undefined;
}): TokenStore {
  const map: TokenMap = env.PHASEGATE_TOKENS ? parseTokenSpec(env.PHASEGATE_TOKENS) : {};
  if (env.PHASEGATE_TOKENS_FILE) {
    let text: string;
    try {
      text = readFileSync(env.PHASEGATE_TOKENS_FILE, 'utf8');
    } catch (err) {
      throw new Error(
        `PHASEGATE_TOKENS_FILE: cannot read ${env.PHASEGATE_TOKENS_FILE}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    const fromFile = parseTokenSpec(text, `PHASEGATE_TOKENS_FILE (${env.PHASEGATE_TOKENS_FILE})`);
    for (const [token, grant] of Object.entries(fromFile)) {
      if (Object.hasOwn(map, token))
        throw new Error('PHASEGATE_TOKENS_FILE: a token is also defined in PHASEGATE_TOKENS');
      map[token] = grant;
    }
  }
  return new TokenStore(map);
}

/** The principal of an authenticated request (undefined when auth is off). */
export function principalOf(req: Request): Principal | undefined {
  return (req as Request & { principal?: Principal }).principal;
}

/**
 * Middleware for `/api`: with tokens configured, a request needs `Authorization: Bearer <token>`
 * naming a known token (401 otherwise, with `WWW-Authenticate`). With none, it does nothing.
 */
export function authenticate(store: TokenStore): RequestHandler {
  return (req, res, next) => {
    if (store.size === 0) {
      next();
      return;
    }
    const header = req.get('authorization') ?? '';
    const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
    res.set('WWW-Authenticate', 'Bearer realm="phasegate"');
    if (!match) {
      next(
        new ApiError(
          401,
          header
            ? 'malformed Authorization header: use "Bearer <token>"'
            : 'authentication required: send Authorization: Bearer <token>',
        ),
      );
      return;
    }
    const principal = store.authenticate(match[1] as string);
    if (!principal) {
      next(new ApiError(401, 'unknown token'));
      return;
    }
    (req as Request & { principal?: Principal }).principal = principal;
    next();
  };
}

/** Throws 403 unless auth is off or the principal has one of `roles`. */
export function requireRole(principal: Principal | undefined, roles: readonly Role[]): void {
  if (!principal) return;
  if (roles.some((r) => principal.roles.has(r))) return;
  throw new ApiError(
    403,
    `forbidden: this needs the ${roles.join(' or ')} role; "${principal.identity}" has ${[...principal.roles].join(', ') || 'none'}`,
  );
}

/** The `agents` entry that allows a token every agent. */
export const ANY_AGENT = '*';

/**
 * True when the principal may act for `agent` (always true with auth off). `agent` null is a task
 * without an `agent:` name: only tokens allowed every agent (`agents: ["*"]`) may take it.
 */
export function mayActAsAgent(principal: Principal | undefined, agent: string | null): boolean {
  if (!principal) return true;
  if (!principal.roles.has('agent')) return false;
  return principal.agents.has(ANY_AGENT) || (agent !== null && principal.agents.has(agent));
}

/** Throws 403 unless the principal may act for `agent`. */
export function requireAgent(principal: Principal | undefined, agent: string | null): void {
  if (mayActAsAgent(principal, agent)) return;
  if (agent === null)
    throw new ApiError(
      403,
      `forbidden: this task names no agent; only a token allowed every agent (agents: ["*"]) may take it, and "${principal?.identity}" is not`,
    );
  throw new ApiError(403, `forbidden: "${principal?.identity}" may not act for agent "${agent}"`);
}
