/**
 * Votes without JavaScript: the approvals page's vote form also posts, as a plain HTML form, to
 * `POST /runs/:runId/decisions` (urlencoded), so a person whose browser runs no script can still
 * decide. Only without tokens (the page then has an approver field in the form); with tokens a vote
 * needs the token, which only the page script sends. The browser guard (`guard.ts`) admits this
 * route's form posts only with a same-origin `Origin`, so another site cannot post it (CSRF).
 * The vote itself is the same `decide` Update the API sends; the answer is a page saying whether
 * it counted, with links back.
 */
import express, { type Request, type Response, type Router } from 'express';
import { decideUpdate, type Decision } from '../../../workflows/messages';
import { IdSchema } from '../../../workflows/plan/schema';
import { ApiError } from '../api-error';
import type { AppDeps } from '../deps';
import { toApiError } from '../errors';
import { requirePhasegateRun } from '../run-guard';
import { PathIdSchema } from '../schemas';
import { updateRunOrPhase } from '../updates';
import { badge } from './format';
import { html, type SafeHtml } from './html';
import { renderPage } from './layout';

/** What the form sends, checked: every problem names the field. */
function readVote(req: Request): Decision {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const runOk = PathIdSchema.safeParse(req.params.runId).success;
  const gate = IdSchema.safeParse(body.gate);
  const approver = typeof body.approver === 'string' ? body.approver.trim() : '';
  const comment = typeof body.comment === 'string' ? body.comment.trim() : '';
  if (!runOk) throw new ApiError(404, 'no such run: not a valid run id');
  if (!gate.success) throw new ApiError(400, 'gate: missing or not a gate id');
  if (body.decision !== 'go' && body.decision !== 'no-go') throw new ApiError(400, 'decision: press Go or No-go');
  if (!approver || approver.length > 200) throw new ApiError(400, 'approver: type your name (at most 200 characters)');
  if (comment.length > 2000) throw new ApiError(400, 'comment: at most 2000 characters');
  return { gate: gate.data, decision: body.decision, approver, ...(comment ? { comment } : {}) };
}

function answer(res: Response, status: number, title: string, runId: string, message: SafeHtml): void {
  const links = html`<p><a href="/runs/${encodeURIComponent(runId)}">Back to run ${runId}</a> · <a href="/">Approvals</a></p>`;
  const content = html`<div class="fragment" data-final="true">${message}${links}</div>`;
  res.status(status).set({ 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.send(renderPage({ name: 'approvals', title, authOn: false, fragmentUrl: '', refreshMs: 0, content }).toString());
}

async function postVote(deps: AppDeps, req: Request, res: Response): Promise<void> {
  const runId = String(req.params.runId);
  if (deps.tokens.size > 0) {
    answer(
      res,
      403,
      'Vote not counted',
      runId,
      html`<p class="error" role="alert">This server has tokens: sign in on the page (it needs JavaScript to send your token) or use the API.</p>`,
    );
    return;
  }
  try {
    const d = readVote(req);
    await requirePhasegateRun(deps, runId);
    const gate = await updateRunOrPhase(deps, runId, `gate "${d.gate}"`, (h) =>
      h.executeUpdate(decideUpdate, { args: [d] }),
    );
    deps.logger.info(
      { runId, gate: d.gate, decision: d.decision, approver: d.approver, via: 'form' },
      'decision recorded',
    );
    answer(
      res,
      200,
      'Vote counted',
      runId,
      html`<p class="notice-ok" role="status">Your <strong>${d.decision}</strong> vote on gate <code>${gate.id}</code> counted. The gate is now ${badge(gate.state)}.</p>`,
    );
  } catch (err) {
    const e = toApiError(err) ?? new ApiError(500, 'the vote could not be recorded (see the server log)');
    if (e.status >= 500) deps.logger.error({ err, runId }, 'form vote failed');
    answer(res, e.status, 'Vote not counted', runId, html`<p class="error" role="alert">Not counted: ${e.message}</p>`);
  }
}

/** Mounts `POST /runs/:runId/decisions` (form votes) on the pages router. */
export function mountFormVotes(router: Router, deps: AppDeps): void {
  router.post(
    '/runs/:runId/decisions',
    express.urlencoded({ extended: false, limit: '16kb' }),
    (req, res) => void postVote(deps, req, res),
  );
}
