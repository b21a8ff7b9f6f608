/**
 * Reading a run's status in pages of steps. The whole status of a 2,000-step run is ≈ 1 MB: every
 * `GET /api/runs/:runId` shipped it and the SDK warned on each (payload over 512 KiB); near 3,400
 * steps it would pass Temporal's 2 MB limit and fail. So the API asks the run for one page of
 * steps (the `statusPage` query: everything else in the status stays whole):
 * - no `steps`/`cursor`: a run of at most {@link WHOLE_STATUS_STEPS} steps is answered whole,
 *   exactly as the `status` query (SPEC shape); a bigger one with its first page of steps and a
 *   `stepsPage` field saying where that page sits and how to get the next one;
 * - `?steps=<n>` asks for pages of `n` steps, `?cursor=<c>` (from `stepsPage.nextCursor`) for the
 *   next page. Every step stays readable, one page at a time.
 * Workers that predate `statusPage` are still read, through the whole `status` query, sliced here.
 */
import { QueryNotRegisteredError, type Client } from '@temporalio/client';
import { z } from 'zod';
import { statusPageQuery, statusQuery, type RunStatusPage, type StepsPage } from '../../workflows/messages';
import type { RunStatus } from '../../workflows/status';
import { withLivePhases } from '../program-phases';

/** Runs with at most this many steps are answered whole when no page is asked for. */
export const WHOLE_STATUS_STEPS = 500;
/** Steps per page when a run is too big to answer whole and no `steps` is given. */
export const DEFAULT_PAGE_STEPS = 500;
/** Largest page a client may ask for (≈ 0.5 KiB per step keeps a page far below 512 KiB). */
export const MAX_PAGE_STEPS = 1000;

/** `GET /api/runs/:runId` query parameters. */
export const RunStatusQuerySchema = z.strictObject({
  steps: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_STEPS)
    .optional()
    .describe(`steps per page (1–${MAX_PAGE_STEPS}); asking for it always pages`),
  cursor: z
    .string()
    .regex(/^[0-9]{1,6}$/, 'expected a cursor from stepsPage.nextCursor')
    .optional()
    .describe('where the next page starts, as given in stepsPage.nextCursor'),
});
/** Parsed {@link RunStatusQuerySchema}. */
export type RunStatusQuery = z.infer<typeof RunStatusQuerySchema>;

/** `stepsPage` as the API serves it: the workflow's page plus the cursor of the next one. */
export const StepsPageSchema = z.object({
  offset: z.number().int().describe('index of the first step of this page'),
  returned: z.number().int(),
  total: z.number().int().describe('steps in the run'),
  nextCursor: z.string().nullable().describe('pass as ?cursor= for the next page; null on the last page'),
});
/** Parsed {@link StepsPageSchema}. */
export type StepsPageView = z.infer<typeof StepsPageSchema>;

/** What a status read asks the run for. */
export interface PageRequest {
  offset: number;
  limit: number;
  /** True when the client asked for pages: the answer then always carries `stepsPage`. */
  explicit: boolean;
}

/** The page a query string asks for. */
export function pageRequest(q: RunStatusQuery): PageRequest {
  const explicit = q.steps !== undefined || q.cursor !== undefined;
  return {
    offset: q.cursor === undefined ? 0 : Number(q.cursor),
    limit: q.steps ?? (explicit ? DEFAULT_PAGE_STEPS : WHOLE_STATUS_STEPS),
    explicit,
  };
}

/** The cache key of a read: the run id alone for the default read, with the page otherwise. */
export function pageKey(runId: string, page: PageRequest): string {
  return page.explicit ? `${runId}?${page.offset}:${page.limit}` : runId;
}

function slice(status: RunStatus, page: PageRequest): RunStatusPage {
  const steps = status.steps.slice(page.offset, page.offset + page.limit);
  return { ...status, steps, stepsPage: { offset: page.offset, returned: steps.length, total: status.steps.length } };
}

function view(got: RunStatusPage, page: PageRequest): RunStatus | (RunStatus & { stepsPage: StepsPageView }) {
  const { stepsPage, ...status } = got;
  // Small run, no page asked for: exactly what the `status` query answers.
  if (!page.explicit && stepsPage.offset === 0 && stepsPage.returned === stepsPage.total) return status;
  const end = stepsPage.offset + stepsPage.returned;
  return {
    ...status,
    stepsPage: { ...stepsPage, nextCursor: end < stepsPage.total ? String(end) : null } as StepsPage & {
      nextCursor: string | null;
    },
  };
}

/**
 * Reads `runId`'s status as `page` asks (see the module comment); a program's running phase shows
 * its live state. Rejects like the query does (not found, no worker in time).
 */
export async function readStatusPage(client: Client, runId: string, page: PageRequest): Promise<RunStatus> {
  const handle = client.workflow.getHandle(runId);
  let got: RunStatusPage;
  try {
    got = await handle.query(statusPageQuery, { offset: page.offset, limit: page.limit });
  } catch (err) {
    // A worker running code from before `statusPage` (or a program run): the whole status, sliced here.
    if (!(err instanceof QueryNotRegisteredError)) throw err;
    got = slice(await handle.query(statusQuery), page);
  }
  return withLivePhases(client, view(got, page));
}
