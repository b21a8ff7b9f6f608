/**
 * The people-facing pages: `/` (approvals), `/runs` and `/runs/:runId`.
 *
 * Auth model — one rule: **run data only ever leaves the server to a request that would be allowed
 * to read it from `/api`.**
 * - Auth off (no tokens, loopback only): pages are server-rendered with their data, like the API
 *   itself serves everything to anyone on this machine.
 * - Auth on: a page is a public shell with no data at all. Its script sends the token the person
 *   typed (kept in session/local storage) as `Authorization: Bearer` to the fragment URLs below,
 *   which sit behind the same `authenticate` middleware as `/api`, and to
 *   `POST /api/runs/:runId/decisions` for votes.
 *
 * Fragments (`/fragments/...`) are the pages' content as HTML, rendered on the server (all
 * escaping lives in one place, `html.ts`), which the script swaps in on load, on demand and on a
 * timer. Every response carries a strict Content-Security-Policy: scripts and styles only from
 * this origin, so even a bug in escaping could not run injected script.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Router, type Request, type Response } from 'express';
import helmet from 'helmet';
import { authenticate, principalOf } from '../auth';
import { ApiError } from '../api-error';
import type { AppDeps } from '../deps';
import { toApiError } from '../errors';
import { PathIdSchema } from '../schemas';
import { approvalsFragment } from './approvals-view';
import { awaitingRuns, readStatus, recentRuns } from './data';
import type { SafeHtml } from './html';
import { renderPage, type PageSpec } from './layout';
import { runFragment } from './run-view';
import { runsFragment } from './runs-view';
import { mountFormVotes } from './form-vote';

const ASSETS_DIR = join(__dirname, 'assets');

/** Response headers of every page, fragment and asset. */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  // Not `no-referrer`: with it Chromium posts forms with `Origin: null`, which the guard refuses.
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
};

/** The same policy as {@link SECURITY_HEADERS}, in helmet's form. */
const CSP_DIRECTIVES = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  formAction: ["'self'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
};

/** How often the run page re-reads the run while it is not over. */
const RUN_REFRESH_MS = 2_000;
/** The lists refresh less often: someone may be reading or typing a comment. */
const LIST_REFRESH_MS = 5_000;

function send(res: Response, status: number, body: SafeHtml | string, type = 'text/html; charset=utf-8'): void {
  res
    .status(status)
    .set(SECURITY_HEADERS)
    .set({ 'Content-Type': type, 'Cache-Control': 'no-store' })
    .send(body.toString());
}

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

/** One page: its shell, plus (auth off only) its content rendered now. */
interface PageDef {
  spec(req: Request): Omit<PageSpec, 'authOn' | 'content' | 'error'>;
  content(deps: AppDeps, req: Request): Promise<SafeHtml>;
}

const PAGES: Record<string, PageDef> = {
  '/': {
    spec: () => ({
      name: 'approvals',
      title: 'Awaiting a decision',
      intro:
        'Runs whose gates wait for a go / no-go. Read the checks and the votes so far, then decide. A no-go rolls the run back.',
      fragmentUrl: '/fragments/approvals',
      refreshMs: LIST_REFRESH_MS,
    }),
    content: async (deps) => approvalsFragment(await awaitingRuns(deps), deps.runUrl),
  },
  '/runs': {
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
  },
  '/runs/:runId': {
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
  },
};

function readAsset(name: string): string {
  return readFileSync(join(ASSETS_DIR, name), 'utf8');
}

/** The router of the pages, their fragments and assets; mount it on the app (`app.use(pagesRouter(deps))`). */
export function pagesRouter(deps: AppDeps): Router {
  const router = Router();
  const authOn = deps.tokens.size > 0;
  // helmet's defaults (HSTS off: the API may be plain http on loopback) under our stricter CSP.
  router.use(
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
      strictTransportSecurity: false,
      referrerPolicy: { policy: 'same-origin' },
      frameguard: { action: 'deny' },
    }),
  );
  // Read once: two small files, and a missing one should fail at startup, not on first request.
  const assets = { css: readAsset('pages.css'), js: readAsset('pages.js') };

  router.get('/assets/pages.css', (_req, res) => send(res, 200, assets.css, 'text/css; charset=utf-8'));
  router.get('/assets/pages.js', (_req, res) => send(res, 200, assets.js, 'text/javascript; charset=utf-8'));

  for (const [path, page] of Object.entries(PAGES)) {
    router.get(path, async (req, res) => {
      let spec: PageSpec;
      try {
        spec = { ...page.spec(req), authOn };
      } catch (err) {
        const e = toApiError(err);
        send(
          res,
          e?.status ?? 400,
          renderPage({
            name: 'run',
            title: 'Not found',
            authOn,
            fragmentUrl: '',
            refreshMs: 0,
            error: e?.message ?? 'bad request',
          }),
        );
        return;
      }
      if (authOn) {
        send(res, 200, renderPage(spec));
        return;
      }
      try {
        send(res, 200, renderPage({ ...spec, content: await page.content(deps, req) }));
      } catch (err) {
        const e = toApiError(err);
        if (!e) deps.logger.error({ err, path: req.path }, 'page failed');
        send(
          res,
          e?.status ?? 500,
          renderPage({
            ...spec,
            refreshMs: 0,
            error: e?.message ?? 'the page could not be built (see the server log)',
          }),
        );
      }
    });
  }

  const fragments = Router();
  fragments.use(authenticate(deps.tokens));
  for (const [path, page] of Object.entries(PAGES)) {
    fragments.get(path === '/' ? '/approvals' : path, async (req, res) => {
      const content = await page.content(deps, req);
      const who = principalOf(req);
      if (who)
        res
          .set('X-Phasegate-Identity', encodeURIComponent(who.identity))
          .set('X-Phasegate-Roles', [...who.roles].join(','));
      send(res, 200, content);
    });
  }
  router.use('/fragments', fragments);
  mountFormVotes(router, deps);
  return router;
}
