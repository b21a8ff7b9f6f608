/**
 * What the API needs from the outside world, injected so tests can hand in the test environment's
 * Temporal client, their own tokens and plans folder, and a quiet logger.
 */
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Client } from '@temporalio/client';
import pino, { type Logger } from 'pino';
import { loadPlanCatalog, PLAN_FILE_EXTENSIONS, plansDir as defaultPlansDir, type PlanCatalog } from '../plans';
import { TokenStore } from './auth';
import { GroupDirectory, type GroupMembers } from '../groups';
import { RpcSlots } from './overload';

/** Options of `createApp`; everything but the client and task queue has a default. */
export interface AppOptions {
  /** A connected Temporal client (its namespace is the runs' namespace). */
  client: Client;
  /** Task queue runs are started on. */
  taskQueue: string;
  /** Base URL of the Temporal Web UI, for run links (default http://localhost:8233). */
  uiUrl?: string;
  /** Folder of bundled plans (default: `PHASEGATE_PLANS_DIR` or the repository's `plans/`). */
  plansDir?: string;
  /** Configured tokens; none (the default) means auth is off. */
  tokens?: TokenStore;
  /** Approver groups from `PHASEGATE_GROUPS` (token `groups` are added to them). */
  groups?: GroupMembers;
  /** `PHASEGATE_LINK_SECRET`: verifies approval links (`/links/…`); unset, links are off. */
  linkSecret?: string;
  /** Largest accepted request body, e.g. `1mb` (default `1mb`). */
  maxBody?: string;
  /** Logger for request lines and errors (default: JSON to stdout at `info`). */
  logger?: Logger;
  /** How long a query or Update may wait for a worker before the API answers 503 (default 10s). */
  rpcTimeoutMs?: number;
  /** How long the health check waits for Temporal (default 2s). */
  healthTimeoutMs?: number;
  /** Extra `Host` names answered without tokens (`PHASEGATE_ALLOWED_HOSTS`). */
  allowedHosts?: readonly string[];
  /** Who may start plans that are not bundled (`PHASEGATE_INLINE_PLANS`, default `authors`). */
  inlinePlans?: InlinePlans;
  /** Executor kinds a started plan may use (`PHASEGATE_EXECUTORS`; default all). */
  executors?: readonly string[];
  /** Requests per token and window (`PHASEGATE_RATE_LIMIT`, default `1200/10s`; `off`). */
  rateLimit?: string;
  /** Most Temporal calls in flight, and how long a call may wait for a slot (default 64, 2s). */
  rpcSlots?: { max: number; queueMs: number };
}

/** `PHASEGATE_INLINE_PLANS`. */
export type InlinePlans = 'off' | 'operators' | 'authors';

/** Resolved dependencies, as route handlers see them. */
export interface AppDeps {
  client: Client;
  taskQueue: string;
  namespace: string;
  uiUrl: string;
  plansDir: string;
  tokens: TokenStore;
  /** Who is in each approver group (environment and token groups). */
  groups: GroupDirectory;
  /** Key of approval links, if they are on. */
  linkSecret?: string;
  maxBody: string;
  /** `maxBody` in bytes. */
  maxBodyBytes: number;
  logger: Logger;
  rpcTimeoutMs: number;
  healthTimeoutMs: number;
  allowedHosts: readonly string[];
  inlinePlans: InlinePlans;
  executors: ReadonlySet<string>;
  rateLimit: string;
  /** Bound on Temporal calls in flight (every {@link withDeadline} call takes a slot). */
  slots: RpcSlots;
  /** The bundled plans, read fresh so edits to plan files apply without a restart. */
  catalog(): Promise<PlanCatalog>;
  /** The Temporal Web UI link of a run. */
  runUrl(runId: string): string;
}

const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** Parses a size such as `1mb`, `512kb` or `2048` (bytes). Throws a RangeError naming the text otherwise. */
export function parseByteSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(text);
  if (!m) throw new RangeError(`invalid size "${text}": use e.g. 512kb, 1mb or a number of bytes`);
  const bytes = Math.floor(Number(m[1]) * (BYTE_UNITS[(m[2] ?? 'b').toLowerCase()] as number));
  if (bytes < 1) throw new RangeError(`invalid size "${text}": must be at least 1 byte`);
  return bytes;
}

/**
 * The plan catalog of `dir`, re-read only when a plan file was added, removed or changed (names,
 * sizes and mtimes), so edits still apply without a restart but a start does not re-parse and
 * re-validate every plan (that was most of `POST /api/runs`'s cost: bench/ANALYSIS.md §3).
 */
export function cachedCatalog(dir: string, recheckMs = CATALOG_RECHECK_MS): () => Promise<PlanCatalog> {
  let cached: { signature: string; checkedAt: number; catalog: Promise<PlanCatalog> } | undefined;
  return async () => {
    // Within `recheckMs` of the last look, trust it: a burst of starts costs no file system calls.
    if (cached && Date.now() - cached.checkedAt < recheckMs) return cached.catalog;
    const signature = await catalogSignature(dir);
    if (cached?.signature === signature) {
      cached.checkedAt = Date.now();
      return cached.catalog;
    }
    const catalog = loadPlanCatalog(dir);
    cached = { signature, checkedAt: Date.now(), catalog };
    catalog.catch(() => (cached = undefined));
    return catalog;
  };
}

/** How long a look at the plans folder is trusted: edits apply within this time. */
export const CATALOG_RECHECK_MS = 1_000;

async function catalogSignature(dir: string): Promise<string> {
  let names: string[];
  try {
    names = (await readdir(dir))
      .filter((n) => (PLAN_FILE_EXTENSIONS as readonly string[]).includes(extname(n).toLowerCase()))
      .sort();
  } catch {
    return 'missing';
  }
  const parts = await Promise.all(
    names.map(async (n) => {
      const st = await stat(join(dir, n)).catch(() => undefined);
      return `${n}:${st?.size ?? -1}:${st?.mtimeMs ?? -1}`;
    }),
  );
  return parts.join('|');
}

/** Applies the defaults. Throws a RangeError for an invalid `maxBody`. */
export function resolveDeps(opts: AppOptions): AppDeps {
  const uiUrl = (opts.uiUrl ?? 'http://localhost:8233').replace(/\/+$/, '');
  const namespace = opts.client.options.namespace;
  const dir = opts.plansDir ?? defaultPlansDir();
  return {
    client: opts.client,
    taskQueue: opts.taskQueue,
    namespace,
    uiUrl,
    plansDir: dir,
    tokens: opts.tokens ?? new TokenStore({}),
    groups: new GroupDirectory(opts.groups ?? {}, (opts.tokens ?? new TokenStore({})).tokenGroups()),
    ...(opts.linkSecret ? { linkSecret: opts.linkSecret } : {}),
    maxBody: opts.maxBody ?? '1mb',
    maxBodyBytes: parseByteSize(opts.maxBody ?? '1mb'),
    logger: opts.logger ?? pino({ name: 'phasegate-api' }),
    rpcTimeoutMs: opts.rpcTimeoutMs ?? 10_000,
    healthTimeoutMs: opts.healthTimeoutMs ?? 2_000,
    allowedHosts: opts.allowedHosts ?? [],
    inlinePlans: opts.inlinePlans ?? 'authors',
    executors: new Set(opts.executors ?? ['shell', 'http', 'agent', 'simulate']),
    rateLimit: opts.rateLimit ?? '1200/10s',
    slots: new RpcSlots(opts.rpcSlots?.max, opts.rpcSlots?.queueMs),
    catalog: cachedCatalog(dir),
    runUrl: (runId) => `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(runId)}`,
  };
}

/**
 * Runs `fn` with a deadline on every Temporal call it makes, so a missing worker becomes a 503, not
 * a hang, in one of the bounded slots (a burst beyond them gets a quick 503, see `overload.ts`).
 */
export function withDeadline<T>(deps: AppDeps, fn: () => Promise<T>, ms = deps.rpcTimeoutMs): Promise<T> {
  return deps.slots.run(() => deps.client.withDeadline(Date.now() + ms, fn));
}
