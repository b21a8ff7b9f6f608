/**
 * Run routes answer only for Phasegate runs (SPEC §8): a workflow id of some other workflow in the
 * namespace is 404 to every run route, so the API cannot be used to cancel, query or signal
 * workflows it does not own. The workflow type of an id is looked up once (describe) and cached
 * briefly; ids are reusable in Temporal, so the cache does not keep an answer for long.
 */
import { WORKFLOW_TYPES } from '../../workflows/messages';
import { ApiError } from './api-error';
import { withDeadline, type AppDeps } from './deps';
import { SingleFlight } from './overload';

const PHASEGATE_TYPES: ReadonlySet<string> = new Set(Object.values(WORKFLOW_TYPES));
/** How long a "this is a Phasegate run" answer is trusted. */
const TRUST_MS = 60_000;
const MAX_ENTRIES = 5_000;

interface RunTypeCache {
  known: Map<string, number>;
  lookups: SingleFlight<string>;
}
const caches = new WeakMap<AppDeps, RunTypeCache>();

function cacheOf(deps: AppDeps): RunTypeCache {
  let cache = caches.get(deps);
  if (!cache) {
    cache = { known: new Map(), lookups: new SingleFlight() };
    caches.set(deps, cache);
  }
  return cache;
}

/**
 * Resolves when `runId` names a Phasegate run (a phase or program workflow); throws a 404
 * `ApiError` for another workflow type, and the usual 404 when there is no such workflow.
 */
export async function requirePhasegateRun(deps: AppDeps, runId: string): Promise<void> {
  const cache = cacheOf(deps);
  const until = cache.known.get(runId);
  if (until !== undefined && until > Date.now()) return;
  const type = await cache.lookups.run(
    runId,
    async () => (await withDeadline(deps, () => deps.client.workflow.getHandle(runId).describe())).type,
  );
  if (!PHASEGATE_TYPES.has(type))
    throw new ApiError(404, `run "${runId}" not found: that workflow is not a Phasegate run`);
  if (cache.known.size >= MAX_ENTRIES) cache.known.delete(cache.known.keys().next().value as string);
  cache.known.set(runId, Date.now() + TRUST_MS);
}
