/** The approvals list (`/`): every run waiting for a decision, each awaiting gate with its vote form. */
import type { AwaitingRun } from './data';
import { badge, runHref, when } from './format';
import { gateSection } from './gate';
import { domId, html, type SafeHtml } from './html';

function runCard(entry: AwaitingRun, uiUrl: string): SafeHtml {
  const { item } = entry;
  const id = domId('run', item.runId);
  if (!('status' in entry)) {
    return html`<li><article class="card run-card" data-run="${item.runId}" aria-labelledby="${id}">
      <h2 id="${id}"><a href="${runHref(item.runId)}">${item.runId}</a></h2>
      <p class="error" role="alert">Status unavailable: ${entry.error}</p>
    </article></li>`;
  }
  const s = entry.status;
  const gates = s.gates.filter((g) => g.state === 'awaiting-approval');
  const p = entry.program;
  const ofProgram = p
    ? html`<p class="program-of"><a href="${runHref(p.programRunId)}">${p.programTitle}</a> · phase ${p.index + 1} of ${p.of}</p>`
    : '';
  return html`<li><article class="card run-card" data-run="${s.runId}" aria-labelledby="${id}">
    <h2 id="${id}"><a href="${runHref(s.runId)}">${s.title}</a></h2>
    ${ofProgram}
    <p class="meta">
      Run <code>${s.runId}</code> · plan <code>${s.plan}</code> · ${badge(s.state)} · started ${when(s.startedAt)} ·
      <a href="${uiUrl}">Open in the Temporal UI<span class="visually-hidden"> (run ${s.runId})</span></a>
    </p>
    ${gates.map((g) => gateSection(s.runId, g, { withForm: true }))}
  </article></li>`;
}

/** The list fragment: a count sentence, then one card per run. */
export function approvalsFragment(runs: readonly AwaitingRun[], runUrl: (runId: string) => string): SafeHtml {
  if (runs.length === 0) {
    return html`<div class="fragment" data-count="0"><p class="empty">Nothing awaits a decision right now. <a href="/runs">See all runs</a>.</p></div>`;
  }
  const n = runs.length;
  return html`<div class="fragment" data-count="${n}">
    <p class="summary">${n} ${n === 1 ? 'run awaits' : 'runs await'} a decision.</p>
    <ul class="cards">${runs.map((r) => runCard(r, runUrl(r.item.runId)))}</ul>
  </div>`;
}
