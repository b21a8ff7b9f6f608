/**
 * One page of a run's steps, for the `statusPage` query: the whole status of a 2,000-step run is
 * ≈ 1 MB, over the SDK's 512 KiB payload warning, and near 3,400 steps over Temporal's 2 MB limit.
 * Pure and deterministic (a query adds nothing to history, so no patch is involved).
 */
import type { RunStatusPage, StatusPageRequest } from './messages';
import type { RunStatus } from './status';

/** The largest page a query may ask for; bigger asks are cut to it. */
export const MAX_STATUS_PAGE_STEPS = 1000;

/** A whole number in [min, max], or `fallback` for anything else (the query's input is untrusted). */
function clampInt(value: unknown, min: number, max: number, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value)
    ? Math.min(max, Math.max(min, Math.floor(value)))
    : fallback;
}

/**
 * `status` with only `limit` steps from `offset` (plan order), everything else as it is, and
 * `stepsPage` saying where the page sits. Missing or invalid numbers mean the first page of
 * {@link MAX_STATUS_PAGE_STEPS}.
 */
export function statusPage(status: RunStatus, request: Partial<StatusPageRequest> | undefined): RunStatusPage {
  const total = status.steps.length;
  const offset = clampInt(request?.offset, 0, total, 0);
  const limit = clampInt(request?.limit, 1, MAX_STATUS_PAGE_STEPS, MAX_STATUS_PAGE_STEPS);
  const steps = status.steps.slice(offset, offset + limit);
  return { ...status, steps, stepsPage: { offset, returned: steps.length, total } };
}
