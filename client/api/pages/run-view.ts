/**
 * The run page (`/runs/:runId`): summary, step graph, gates with checks and votes, compensations,
 * escalations and the event log, i.e. the run's whole status in readable form.
 */
import type { RunStatus, StepStatus } from '../../../workflows/status';
import { badge, metricText, runHref, when } from './format';
import { gateSection } from './gate';
import { stepGraph } from './graph';
import { html, joinHtml, type SafeHtml } from './html';

function section(id: string, title: string, body: SafeHtml | string): SafeHtml {
  return html`<section class="block" id="${id}" aria-labelledby="${id}-h"><h2 id="${id}-h">${title}</h2>${body}</section>`;
}

function summary(s: RunStatus, uiUrl: string): SafeHtml {
  return html`<section class="block summary-card" aria-labelledby="summary-h">
    <h2 id="summary-h">${s.title}</h2>
    <dl class="facts">
      <div><dt>State</dt><dd class="run-state">${badge(s.state)}</dd></div>
      <div><dt>Outcome</dt><dd class="run-outcome">${s.outcome ? badge(s.outcome) : html`<span class="muted">not ended yet</span>`}</dd></div>
      <div><dt>Plan</dt><dd><code>${s.plan}</code>${s.kind === 'program' ? ' (program)' : ''}</dd></div>
      <div><dt>Started</dt><dd>${when(s.startedAt)}</dd></div>
      <div><dt>Ended</dt><dd>${when(s.endedAt)}</dd></div>
      ${s.cause ? html`<div class="wide"><dt>Cause</dt><dd class="cause">${s.cause}</dd></div>` : ''}
    </dl>
    <p><a id="temporal-link" class="ext" href="${uiUrl}">Open in the Temporal UI</a> <span class="muted">(full history, summaries, current details)</span></p>
    <p><a id="report-link" href="/api/runs/${encodeURIComponent(s.runId)}/report">Completion report</a> (<a href="/api/runs/${encodeURIComponent(s.runId)}/report?format=json">JSON</a>)
      <span class="muted">from the run's own record, with a receipt to check it against Temporal${s.outcome ? '' : '; the run has not ended yet'}</span></p>
  </section>`;
}

function metricsText(step: StepStatus): string {
  return Object.entries(step.metrics)
    .map(([k, v]) => `${k}=${metricText(v)}`)
    .join(', ');
}

function stepTable(s: RunStatus): SafeHtml {
  if (s.steps.length === 0) return html``;
  const rows = s.steps.map(
    (t) => html`<tr>
      <th scope="row"><code>${t.id}</code></th><td>${t.agent ?? ''}</td><td>${badge(t.state)}</td><td class="num">${t.attempts}</td>
      <td>${when(t.startedAt)}</td><td>${when(t.endedAt)}</td><td class="metrics">${metricsText(t)}${t.summary ? html`<br><span class="muted">${t.summary}</span>` : ''}</td>
    </tr>`,
  );
  return html`<details id="step-details" class="step-details"><summary>Timings and metrics of each task</summary>
    <div class="table-wrap" role="region" aria-label="Timings and metrics" tabindex="0"><table>
      <thead><tr><th scope="col">Task</th><th scope="col">Agent</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Started</th><th scope="col">Ended</th><th scope="col">Metrics</th></tr></thead>
      <tbody>${rows}</tbody>
    </table></div></details>`;
}

function phasesTable(s: RunStatus): SafeHtml {
  if (!s.phases || s.phases.length === 0) return html``;
  const rows = s.phases.map(
    // A phase that has not started has no run to link to (its run id is null until it starts).
    (p, i) =>
      html`<tr><td class="num">${i + 1}</td><td>${p.title ?? p.plan}</td><td>${p.runId ? html`<a href="${runHref(p.runId)}"><code>${p.runId}</code></a>` : html`<span class="muted">not started</span>`}</td><td>${badge(p.outcome ?? p.state ?? 'pending')}</td></tr>`,
  );
  return section(
    'phases',
    'Phases',
    html`<div class="table-wrap"><table><thead><tr><th scope="col">#</th><th scope="col">Phase</th><th scope="col">Run</th><th scope="col">State</th></tr></thead><tbody>${rows}</tbody></table></div>`,
  );
}

function compensations(s: RunStatus): SafeHtml {
  if (s.compensations.length === 0)
    return section(
      'compensations',
      'Compensations',
      html`<p class="muted">None${s.outcome ? '' : ' so far'}: nothing has been rolled back.</p>`,
    );
  const rows = s.compensations.map(
    (c, i) =>
      html`<tr><td class="num">${i + 1}</td><th scope="row"><code>${c.step}</code></th><td>${badge(c.state)}</td><td class="nowrap">${when(c.at)}</td><td>${c.error ?? ''}</td></tr>`,
  );
  return section(
    'compensations',
    'Compensations',
    html`<p class="muted">Rollbacks of completed tasks, newest completion first, in the order they ran.</p>
    <div class="table-wrap"><table class="compensations"><thead><tr><th scope="col">#</th><th scope="col">Task</th><th scope="col">Result</th><th scope="col">At</th><th scope="col">Error</th></tr></thead><tbody>${rows}</tbody></table></div>`,
  );
}

function escalations(s: RunStatus): SafeHtml {
  if (s.escalations.length === 0) return section('escalations', 'Escalations', html`<p class="muted">None.</p>`);
  const items = s.escalations.map((e) => html`<li>${when(e.at)} <code>${e.step}</code>: ${e.reason}</li>`);
  return section('escalations', 'Escalations', html`<ul class="plain">${items}</ul>`);
}

function events(s: RunStatus): SafeHtml {
  if (s.events.length === 0) return section('events', 'Event log', html`<p class="muted">No events yet.</p>`);
  const rows = s.events.map(
    (e) =>
      html`<tr><td class="nowrap">${when(e.at)}</td><td class="nowrap"><code>${e.type}</code></td><td class="nowrap">${e.step ? html`<code>${e.step}</code>` : ''}</td><td class="message">${e.message}</td></tr>`,
  );
  return section(
    'events',
    'Event log',
    html`<div class="table-wrap" role="region" aria-labelledby="events-h" tabindex="0"><table class="events stack">
      <thead><tr><th scope="col">At</th><th scope="col">Event</th><th scope="col">Step</th><th scope="col">Message</th></tr></thead>
      <tbody>${rows}</tbody></table></div>`,
  );
}

/** The run fragment. `data-final` tells the page script it may stop refreshing. */
export function runFragment(s: RunStatus, uiUrl: string): SafeHtml {
  const awaiting = s.gates.filter((g) => g.state === 'awaiting-approval');
  const callout = awaiting.length
    ? html`<p class="callout" role="note">${joinHtml(
        awaiting.map((g) => html`<code>${g.id}</code>`),
        ', ',
      )} ${awaiting.length === 1 ? 'awaits' : 'await'} a decision:
        <a href="/">vote on the approvals page</a>.</p>`
    : '';
  return html`<div class="fragment" data-final="${s.outcome ? 'true' : 'false'}" data-state="${s.state}">
    ${summary(s, uiUrl)}
    ${callout}
    ${section('steps', 'Steps', html`<p class="muted">In dependency order: each stage waits for the stages before it.</p>${stepGraph(s)}${stepTable(s)}`)}
    ${phasesTable(s)}
    ${s.gates.length ? section('gates', 'Gates', joinHtml(s.gates.map((g) => gateSection(s.runId, g, { withForm: false })))) : ''}
    ${compensations(s)}
    ${escalations(s)}
    ${events(s)}
  </div>`;
}
