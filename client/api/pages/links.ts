/**
 * Approve by link (`PHASEGATE_LINK_SECRET`): `GET /links/:token` shows the gate the signed link is
 * for — its checks, votes and quorum — and changes nothing; the vote is a plain HTML form `POST`
 * to the same URL (works without JavaScript), sent to the run as the `decide` Update with
 * `via: 'link'` and the link's nonce, as the approver the link names (never anything the form
 * says). A tampered (403), malformed (400), expired (410), reused (409) link, or one whose gate is
 * unknown (404) or no longer awaiting a decision (409), gets a page saying so.
 */
import express, { Router, type Request, type Response } from 'express';
import { LinkError, verifyLink, type LinkClaims } from '../../../config/approval-links';
import { decideUpdate, type Decision } from '../../../workflows/messages';
import type { GateStatus, RunStatus } from '../../../workflows/status';
import { ApiError } from '../api-error';
import type { AppDeps } from '../deps';
import { toApiError } from '../errors';
import { updateRun } from '../updates';
import { readStatus } from './data';
import { badge } from './format';
import { checksTable, quorumLine, votesList } from './gate';
import { html, type SafeHtml } from './html';

const LINK_STATUS: Record<LinkError['reason'], number> = { malformed: 400, tampered: 403, expired: 410 };

function page(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title} · Phasegate</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/pages.css">
</head>
<body data-page="link">
<header class="site"><span class="brand">Phasegate</span></header>
<main id="main">
<h1>${title}</h1>
${body}
</main>
<footer class="site"><p>Phasegate · an approval link works once, for the person it was sent to; every vote is in the run's history.</p></footer>
</body>
</html>
`.toString();
}

function send(res: Response, status: number, title: string, body: SafeHtml): void {
  // Links are credentials: never cached, never sent to another site as a Referer. Not
  // `no-referrer`: with it Chromium sends the form's POST with `Origin: null`, which the
  // same-origin check of state-changing requests (guard.ts) rightly refuses.
  res
    .status(status)
    .set({ 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Referrer-Policy': 'same-origin' })
    .send(page(title, body));
}

function problem(res: Response, status: number, title: string, message: string): void {
  send(res, status, title, html`<p class="error" role="alert">${message}</p>`);
}

/** The link's claims, or a 4xx page sent (and undefined). */
function claimsOf(deps: AppDeps, req: Request, res: Response): LinkClaims | undefined {
  if (!deps.linkSecret) {
    problem(
      res,
      404,
      'Approval links are off',
      'This Phasegate does not issue approval links (PHASEGATE_LINK_SECRET is not set).',
    );
    return undefined;
  }
  try {
    return verifyLink(deps.linkSecret, String(req.params.token));
  } catch (err) {
    if (!(err instanceof LinkError)) throw err;
    problem(
      res,
      LINK_STATUS[err.reason],
      err.reason === 'expired' ? 'This link has expired' : 'This link is not valid',
      err.message,
    );
    return undefined;
  }
}

/** Why this link cannot vote on its gate now (status, title, message), or undefined when it can. */
function gateProblem(
  claims: LinkClaims,
  status: RunStatus,
  gate: GateStatus | undefined,
): [number, string, string] | undefined {
  if (!gate)
    return [
      404,
      'No such gate',
      `run "${claims.run}" has no gate "${claims.gate}": this link is not for this run's gates`,
    ];
  const used = gate.votes.find((v) => v.linkNonce === claims.nonce);
  if (used)
    return [
      409,
      'This link was already used',
      `${used.approver} voted ${used.decision} on gate "${gate.id}" with this link at ${used.at}; a link works once.`,
    ];
  const voted = gate.votes.find((v) => v.approver === claims.approver);
  if (voted)
    return [
      409,
      'Already decided',
      `${claims.approver} already voted ${voted.decision} on gate "${gate.id}" at ${voted.at}.`,
    ];
  if (gate.state !== 'awaiting-approval')
    return [
      409,
      'Not awaiting a decision',
      `gate "${gate.id}" of run "${status.runId}" is ${gate.state}: there is nothing to decide any more.`,
    ];
  return undefined;
}

function approverLine(gate: GateStatus): SafeHtml {
  const groups = Object.entries(gate.approverGroups ?? {});
  if (groups.length === 0) return html``;
  return html`<p class="groups">Groups: ${groups.map(([g, members], i) => html`${i > 0 ? '; ' : ''}<strong>group:${g}</strong> = ${members.join(', ') || '(no members)'}`)}</p>`;
}

function gateView(claims: LinkClaims, status: RunStatus, gate: GateStatus): SafeHtml {
  return html`<p class="intro">Run <code>${status.runId}</code> — ${status.title}. You decide as <strong class="link-approver">${claims.approver}</strong>; this link works once and expires at ${new Date(claims.exp * 1000).toISOString()}.</p>
<section class="gate" data-gate="${gate.id}" aria-labelledby="gate-h">
  <h2 id="gate-h">Gate <code>${gate.id}</code>${gate.title ? html` — ${gate.title}` : ''} ${badge(gate.state)}</h2>
  ${quorumLine(gate)}
  ${approverLine(gate)}
  ${checksTable(gate, 'link')}
  <h3>Votes</h3>
  ${votesList(gate)}
</section>`;
}

function voteFormFor(token: string): SafeHtml {
  return html`<form class="vote-form link-form" method="post" action="/links/${token}">
  <h3>Your decision</h3>
  <label for="comment">Comment <span class="muted">(optional, kept in the audit trail)</span></label>
  <textarea id="comment" name="comment" rows="3" maxlength="2000"></textarea>
  <div class="actions">
    <button type="submit" name="decision" value="go" class="btn btn-go">Go</button>
    <button type="submit" name="decision" value="no-go" class="btn btn-nogo">No-go</button>
  </div>
</form>`;
}

async function loadGate(
  deps: AppDeps,
  claims: LinkClaims,
  res: Response,
): Promise<{ status: RunStatus; gate: GateStatus } | undefined> {
  let status: RunStatus;
  try {
    status = await readStatus(deps, claims.run);
  } catch (err) {
    const e = toApiError(err);
    problem(res, e?.status ?? 500, 'Run not available', e?.message ?? 'the run could not be read (see the server log)');
    return undefined;
  }
  const gate = status.gates.find((g) => g.id === claims.gate);
  const why = gateProblem(claims, status, gate);
  if (why) {
    send(
      res,
      why[0],
      why[1],
      html`<p class="error" role="alert">${why[2]}</p>${gate ? gateView(claims, status, gate) : ''}`,
    );
    return undefined;
  }
  return { status, gate: gate as GateStatus };
}

async function postVote(deps: AppDeps, req: Request, res: Response, claims: LinkClaims): Promise<void> {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const decision = body.decision;
  const comment = typeof body.comment === 'string' ? body.comment.trim() : '';
  if (decision !== 'go' && decision !== 'no-go') return problem(res, 400, 'No decision', 'decision: press Go or No-go');
  if (comment.length > 2000) return problem(res, 400, 'Comment too long', 'comment: at most 2000 characters');
  if (!(await loadGate(deps, claims, res))) return;
  const d: Decision = {
    gate: claims.gate,
    decision,
    approver: claims.approver,
    via: 'link',
    linkNonce: claims.nonce,
    ...(comment ? { comment } : {}),
  };
  try {
    const gate = await updateRun(deps, claims.run, (h) => h.executeUpdate(decideUpdate, { args: [d] }));
    deps.logger.info(
      { runId: claims.run, gate: claims.gate, decision, approver: claims.approver, via: 'link' },
      'decision recorded',
    );
    const status = await readStatus(deps, claims.run).catch(() => undefined);
    send(
      res,
      200,
      'Vote counted',
      html`<p class="notice-ok" role="status">Your <strong>${decision}</strong> vote on gate <code>${gate.id}</code> was counted. The gate is now ${badge(gate.state)}.</p>${status ? gateView(claims, status, gate) : ''}`,
    );
  } catch (err) {
    const e = toApiError(err) ?? new ApiError(500, 'the vote could not be recorded (see the server log)');
    if (e.status >= 500) deps.logger.error({ err, runId: claims.run }, 'link vote failed');
    problem(res, e.status, 'Vote not counted', e.message);
  }
}

/** The approve-by-link routes; mount on the app (`app.use(linksRouter(deps))`). */
export function linksRouter(deps: AppDeps): Router {
  const router = Router();
  router.get('/links/:token', async (req, res) => {
    const claims = claimsOf(deps, req, res);
    if (!claims) return;
    const loaded = await loadGate(deps, claims, res);
    if (!loaded) return;
    send(
      res,
      200,
      `Decide gate ${loaded.gate.id}`,
      html`${gateView(claims, loaded.status, loaded.gate)}${voteFormFor(String(req.params.token))}`,
    );
  });
  router.post('/links/:token', express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    const claims = claimsOf(deps, req, res);
    if (claims) await postVote(deps, req, res, claims);
  });
  return router;
}
