/** The runs list (`/runs`): the newest runs of every state, each linking to its run page. */
import type { RunList } from '../schemas';
import { badge, runHref, when } from './format';
import { html, type SafeHtml } from './html';

function pager(list: RunList, older: boolean): SafeHtml {
  const links = [
    older ? html`<a href="/runs" id="runs-newest">Newest runs</a>` : '',
    list.nextPageToken
      ? html`<a href="/runs?page=${encodeURIComponent(list.nextPageToken)}" id="runs-older" rel="next">Older runs</a>`
      : '',
  ].filter((l) => l !== '');
  return links.length
    ? html`<nav class="pager" aria-label="Pages of runs">${links.map((l) => html`${l} `)}</nav>`
    : html``;
}

/** The list fragment: one page of runs (`older`: a page after the first), with links to the next and the newest page. */
export function runsFragment(list: RunList, opts: { older?: boolean } = {}): SafeHtml {
  const older = opts.older === true;
  if (list.runs.length === 0) {
    if (older)
      return html`<div class="fragment" data-count="0"><p class="empty">No older runs. ${pager(list, older)}</p></div>`;
    return html`<div class="fragment" data-count="0"><p class="empty">No runs yet. Start one with <code>phase start &lt;plan&gt;</code>.</p></div>`;
  }
  const rows = list.runs.map(
    (r) => html`<tr data-run="${r.runId}">
      <th scope="row"><a href="${runHref(r.runId)}"><code>${r.runId}</code></a></th>
      <td>${r.plan ? html`<code>${r.plan}</code>` : ''}</td>
      <td>${badge(r.state ?? r.status.toLowerCase())}${r.awaitingApproval && r.status === 'RUNNING' ? html` <a href="/">vote</a>` : ''}</td>
      <td class="nowrap">${when(r.startTime)}</td>
      <td class="nowrap">${when(r.closeTime)}</td>
      <td><a href="${r.uiUrl}">Temporal UI<span class="visually-hidden"> for ${r.runId}</span></a></td>
    </tr>`,
  );
  return html`<div class="fragment" data-count="${list.runs.length}">
    <div class="table-wrap" role="region" aria-labelledby="runs-caption" tabindex="0"><table class="runs">
      <caption id="runs-caption">${older ? `${list.runs.length} older runs` : `The ${list.runs.length} newest runs`}</caption>
      <thead><tr><th scope="col">Run</th><th scope="col">Plan</th><th scope="col">State</th><th scope="col">Started</th><th scope="col">Ended</th><th scope="col">Links</th></tr></thead>
      <tbody>${rows}</tbody>
    </table></div>
    ${pager(list, older)}
  </div>`;
}
