/**
 * What each people-facing page is: its shell (title, intro, fragment URL, refresh period) and its
 * content, keyed by the page's route. The pages router serves the shell at the route and the
 * content both inside it (auth off) and as the route's fragment under `/fragments`.
 */
import type { Request } from 'express';
import { ApiError } from '../api-error';
import type { AppDeps } from '../deps';
import { PathIdSchema } from '../schemas';
import { approvalsFragment } from './approvals-view';
import { awaitingRuns, readStatus, recentRuns } from './data';
import type { SafeHtml } from './html';
import type { PageSpec } from './layout';
import { runFragment } from './run-view';
import { runsFragment } from './runs-view';

/** How often the run page re-reads the run while it is not over. */
const RUN_REFRESH_MS = 2_000;
/** The lists refresh less often: someone may be reading or typing a comment. */
const LIST_REFRESH_MS = 5_000;

/** The `runId` path parameter, checked. Throws a 404 {@link ApiError} when it is not a valid run id. */
function runIdOf(req: Request): string {
  const parsed = PathIdSchema.safeParse(req.params.runId);
  if (!parsed.success) throw new ApiError(404, `no run "${String(req.params.runId).slice(0, 60)}": not a valid run id`);
  return parsed.data;
}

/** The `page` query parameter of the runs list (a visibility page token), if any. */
function pageTokenOf(req: Request): string | undefined {
  const page = req.query.page;
  if (page === undefined || page === '') return undefined;
  if (typeof page !== 'string' || page.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(page))
    throw new ApiError(400, 'invalid page: follow the "Older runs" link of the runs list');
  return page;
}

/**
 * One page: its shell, plus its content. Both may throw an {@link ApiError} for a bad request
 * (unknown run id, bad page token); `content` also fails when Temporal cannot be read.
 */
export interface PageDef {
  /** The shell's spec for this request, without what the router adds (auth, content, error). */
  spec(req: Request): Omit<PageSpec, 'authOn' | 'content' | 'error'>;
  /** The page's content for this request, rendered now. */
  content(deps: AppDeps, req: Request): Promise<SafeHtml>;
}

const approvalsPage: PageDef = {
  spec: () => ({
    name: 'approvals',
    title: 'Awaiting a decision',
    intro:
      'Runs whose gates wait for a go / no-go. Read the checks and the votes so far, then decide. A no-go rolls the run back.',
    fragmentUrl: '/fragments/approvals',
    refreshMs: LIST_REFRESH_MS,
  }),
  content: async (deps) => approvalsFragment(await awaitingRuns(deps), deps.runUrl),
};

const runsPage: PageDef = {
  // `?page=<nextPageToken>` shows an older page; it does not refresh (its runs only ever age).
  spec: (req) => {
    const page = pageTokenOf(req);
    return page
      ? {
          name: 'runs',
          title: 'Runs (older)',
          fragmentUrl: `/fragments/runs?page=${encodeURIComponent(page)}`,
          refreshMs: 0,
        }
      : { name: 'runs', title: 'Runs', fragmentUrl: '/fragments/runs', refreshMs: LIST_REFRESH_MS };
  },
  content: async (deps, req) => {
    const page = pageTokenOf(req);
    return runsFragment(await recentRuns(deps, page), { older: page !== undefined });
  },
};

const runPage: PageDef = {
  spec: (req) => {
    const runId = runIdOf(req);
    return {
      name: 'run',
      title: `Run ${runId}`,
      fragmentUrl: `/fragments/runs/${encodeURIComponent(runId)}`,
      refreshMs: RUN_REFRESH_MS,
    };
  },
  content: async (deps, req) => {
    const runId = runIdOf(req);
    return runFragment(await readStatus(deps, runId), deps.runUrl(runId));
  },
};

/** The pages by route (Express path), in mounting order. */
export const PAGES: Readonly<Record<string, PageDef>> = {
  '/': approvalsPage,
  '/runs': runsPage,
  '/runs/:runId': runPage,
};

/** The fragment route of a page route (under `/fragments`): `/` is `/approvals`, others keep their path. */
export function fragmentPath(pagePath: string): string {
  return pagePath === '/' ? '/approvals' : pagePath;
}
