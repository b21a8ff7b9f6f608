/**
 * A gate as people need to see it before voting: its checks (pass/fail, actual against threshold),
 * the votes so far with approver, comment and time, the quorum, and — while it awaits a decision —
 * the Go / No-go form. Shared by the approvals page and the run page.
 */
import type { GateStatus } from '../../../workflows/status';
import { badge, metricText, when } from './format';
import { domId, html, type SafeHtml } from './html';

/** The checks as a table; a short sentence when the gate has none. */
export function checksTable(gate: GateStatus, idPrefix: string): SafeHtml {
  if (gate.checks.length === 0) return html`<p class="muted">No automatic checks on this gate.</p>`;
  const failed = gate.checks.filter((c) => !c.passed).length;
  const summary = failed === 0 ? `all ${gate.checks.length} passed` : `${failed} of ${gate.checks.length} failed`;
  const captionId = domId(idPrefix, 'checks');
  const rows = gate.checks.map(
    (c) => html`<tr class="${c.passed ? 'pass' : 'fail'}">
      <td>${c.passed ? html`<span class="badge tone-ok"><span aria-hidden="true">✔</span> pass</span>` : html`<span class="badge tone-bad"><span aria-hidden="true">✘</span> fail</span>`}</td>
      <td class="metric"><code>${c.metric}</code></td>
      <td class="num" data-label="Actual"><code>${metricText(c.actual)}</code></td>
      <td class="num" data-label="Threshold"><code>${c.op} ${metricText(c.value)}</code></td>
    </tr>`,
  );
  return html`<div class="table-wrap" role="region" aria-labelledby="${captionId}" tabindex="0">
    <table class="checks stack">
      <caption id="${captionId}">Checks: ${summary}</caption>
      <thead><tr><th scope="col">Result</th><th scope="col">Metric</th><th scope="col">Actual</th><th scope="col">Threshold</th></tr></thead>
      <tbody>${rows}</tbody>
    </table>
  </div>`;
}

/** The votes so far, oldest first. */
export function votesList(gate: GateStatus): SafeHtml {
  if (gate.votes.length === 0) return html`<p class="muted votes-empty">No votes yet.</p>`;
  const items = gate.votes.map(
    (v) => html`<li class="vote" data-approver="${v.approver}">
      <span class="vote-head"><strong class="approver">${v.approver}</strong> voted ${badge(v.decision)} <span class="muted">at ${when(v.at)}${v.via && v.via !== 'update' ? ` (via ${v.via})` : ''}</span></span>
      ${v.comment ? html`<blockquote class="comment">${v.comment}</blockquote>` : ''}
    </li>`,
  );
  return html`<ul class="votes">${items}</ul>`;
}

/** ` (alice, bob)` after a `group:<name>` approver: the members the run started with. */
function groupMembers(gate: GateStatus, approver: string): SafeHtml {
  if (!approver.startsWith('group:')) return html``;
  const members = gate.approverGroups?.[approver.slice('group:'.length)] ?? [];
  return html` <span class="group-members">(${members.length > 0 ? members.join(', ') : 'no members'})</span>`;
}

/** One sentence on what the gate needs: quorum, approvers, votes so far, deadline. */
export function quorumLine(gate: GateStatus): SafeHtml {
  if (gate.approvers.length === 0) return html`<p>Automatic gate: decided by its checks alone.</p>`;
  const goVotes = gate.votes.filter((v) => v.decision === 'go').length;
  return html`<p class="quorum">
    Needs <strong>${gate.quorum}</strong> go ${gate.quorum === 1 ? 'vote' : 'votes'} (any no-go rejects) from
    ${gate.approvers.map((a, i) => html`${i > 0 ? ', ' : ''}<span class="approver-name">${a}</span>${groupMembers(gate, a)}`)}.
    Go votes so far: <strong class="go-count">${goVotes} of ${gate.quorum}</strong>.
    ${gate.deadline && gate.state === 'awaiting-approval' ? html`Decision due by ${when(gate.deadline)}.` : ''}
  </p>`;
}

/**
 * The vote form. It works through the page script (`pages.js`), which sends the vote to
 * `POST /api/runs/:runId/decisions` with the signed-in token (or the approver name when auth is
 * off) and writes the API's answer into the form's own live region.
 */
export function voteForm(runId: string, gate: GateStatus): SafeHtml {
  const id = domId('vote', runId, gate.id);
  const context = `on gate ${gate.id} of run ${runId}`;
  // Without JavaScript the form posts itself (form-vote.ts), with the approver typed in it.
  return html`<form class="vote-form" method="post" action="/runs/${encodeURIComponent(runId)}/decisions" data-run="${runId}" data-gate="${gate.id}" aria-labelledby="${id}-h">
    <h4 id="${id}-h">Your decision</h4>
    <input type="hidden" name="gate" value="${gate.id}">
    <noscript><label for="${id}-approver">Your name (approver)</label>
    <input id="${id}-approver" name="approver" type="text" autocomplete="username" maxlength="200" required></noscript>
    <label for="${id}-comment">Comment <span class="muted">(optional, kept in the audit trail)</span></label>
    <textarea id="${id}-comment" name="comment" rows="2" maxlength="2000"></textarea>
    <div class="actions">
      <button type="submit" name="decision" value="go" class="btn btn-go">Go<span class="visually-hidden"> ${context}</span></button>
      <button type="submit" name="decision" value="no-go" class="btn btn-nogo">No-go<span class="visually-hidden"> ${context}</span></button>
    </div>
    <p class="answer" role="status" aria-live="polite"></p>
  </form>`;
}

/**
 * A gate section (an `h3`, under the page's `h2` of its run or of the gates): heading, state,
 * quorum, checks, votes and, when asked and the gate awaits a decision, the vote form.
 */
export function gateSection(runId: string, gate: GateStatus, opts: { withForm: boolean }): SafeHtml {
  const id = domId('gate', runId, gate.id);
  return html`<section class="gate" data-gate="${gate.id}" aria-labelledby="${id}">
    <h3 id="${id}">Gate <code>${gate.id}</code>${gate.title ? html` — ${gate.title}` : ''} ${badge(gate.state)}</h3>
    ${quorumLine(gate)}
    ${checksTable(gate, id)}
    <h4>Votes</h4>
    ${votesList(gate)}
    ${opts.withForm && gate.state === 'awaiting-approval' ? voteForm(runId, gate) : ''}
  </section>`;
}
