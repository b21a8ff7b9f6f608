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
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { authenticate, principalOf } from '../auth';
import type { AppDeps } from '../deps';
import { toApiError } from '../errors';
import { mountPageAssets } from './assets';
import { mountFormVotes } from './form-vote';
import { renderPage, type PageSpec } from './layout';
import { fragmentPath, PAGES, type PageDef } from './page-specs';
import { pageSecurityHeaders, send } from './security';

/** Answers a request whose page spec failed (bad run id or page token) with a "Not found" page. */
function sendSpecError(res: Response, err: unknown, authOn: boolean): void {
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
}

/** The page's shell spec for `req`, or undefined after {@link sendSpecError} has answered. */
function specOrAnswered(page: PageDef, req: Request, res: Response, authOn: boolean): PageSpec | undefined {
  try {
    return { ...page.spec(req), authOn };
  } catch (err) {
    sendSpecError(res, err, authOn);
    return undefined;
  }
}

/**
 * Auth off: the shell with its content rendered now. When the content fails, the shell says why
 * (an unexpected failure is logged, and the page stops refreshing).
 */
async function sendWithContent(
  deps: AppDeps,
  page: PageDef,
  spec: PageSpec,
  req: Request,
  res: Response,
): Promise<void> {
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
}

/** One page's route: the bare shell when auth is on (its script fetches the content), else shell and content. */
function pageHandler(deps: AppDeps, page: PageDef, authOn: boolean): RequestHandler {
  return async (req, res) => {
    const spec = specOrAnswered(page, req, res, authOn);
    if (!spec) return;
    if (authOn) {
      send(res, 200, renderPage(spec));
      return;
    }
    await sendWithContent(deps, page, spec, req, res);
  };
}

/** One page's fragment route: its content, with who asked (so the page can show it). */
function fragmentHandler(deps: AppDeps, page: PageDef): RequestHandler {
  return async (req, res) => {
    const content = await page.content(deps, req);
    const who = principalOf(req);
    if (who)
      res
        .set('X-Phasegate-Identity', encodeURIComponent(who.identity))
        .set('X-Phasegate-Roles', [...who.roles].join(','));
    send(res, 200, content);
  };
}

/** The fragments of every page, behind the same `authenticate` as `/api`. */
function fragmentsRouter(deps: AppDeps): Router {
  const fragments = Router();
  fragments.use(authenticate(deps.tokens));
  for (const [path, page] of Object.entries(PAGES)) fragments.get(fragmentPath(path), fragmentHandler(deps, page));
  return fragments;
}

/**
 * The router of the pages, their fragments and assets; mount it on the app (`app.use(pagesRouter(deps))`).
 * Reads the assets when called: throws if one of their files is missing.
 */
export function pagesRouter(deps: AppDeps): Router {
  const router = Router();
  const authOn = deps.tokens.size > 0;
  router.use(pageSecurityHeaders());
  mountPageAssets(router);
  for (const [path, page] of Object.entries(PAGES)) router.get(path, pageHandler(deps, page, authOn));
  router.use('/fragments', fragmentsRouter(deps));
  mountFormVotes(router, deps);
  return router;
}
