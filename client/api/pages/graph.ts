/**
 * The step graph of a run, laid out in dependency order: column N holds the steps whose longest
 * chain of `needs` has length N, so every step sits to the right of everything it waits for.
 * Plain boxes with text (id, title, agent, state word, attempts, needs); colour only repeats what
 * the words say.
 */
import type { GateStatus, RunStatus, StepStatus } from '../../../workflows/status';
import { badge, tone } from './format';
import { domId, html, type SafeHtml } from './html';

type Node = StepStatus | GateStatus;

/**
 * Groups nodes into columns by depth (longest path from a step with no needs). Unknown needs are
 * ignored and cycles (which validation forbids) cannot loop: a node on the current path counts as
 * depth 0, so this terminates on any input.
 */
export function layers<T extends { id: string; needs: readonly string[] }>(nodes: readonly T[]): T[][] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (n: T): number => {
    const known = depth.get(n.id);
    if (known !== undefined) return known;
    if (visiting.has(n.id)) return 0;
    visiting.add(n.id);
    let d = 0;
    for (const need of n.needs) {
      const dep = byId.get(need);
      if (dep) d = Math.max(d, depthOf(dep) + 1);
    }
    visiting.delete(n.id);
    depth.set(n.id, d);
    return d;
  };
  const columns: T[][] = [];
  for (const n of nodes) (columns[depthOf(n)] ??= []).push(n);
  return columns.filter((c) => c !== undefined);
}

function nodeBox(n: Node): SafeHtml {
  const isGate = n.type === 'gate';
  const details: SafeHtml[] = [];
  if (isGate) {
    const go = n.votes.filter((v) => v.decision === 'go').length;
    if (n.approvers.length > 0) details.push(html`<li>go votes ${go} of ${n.quorum}</li>`);
    if (n.checks.length > 0)
      details.push(html`<li>checks ${n.checks.filter((c) => c.passed).length}/${n.checks.length} passed</li>`);
  } else {
    if (n.agent) details.push(html`<li>agent <strong>${n.agent}</strong></li>`);
    details.push(html`<li>${n.executor} · attempts ${n.attempts}</li>`);
    if (n.held) details.push(html`<li><strong>held</strong>: retry, skip or abort</li>`);
    if (n.error)
      details.push(html`<li class="error">${n.error.length > 160 ? `${n.error.slice(0, 160)}…` : n.error}</li>`);
  }
  if (n.needs.length > 0) details.push(html`<li class="muted">needs ${n.needs.join(', ')}</li>`);
  return html`<li class="node tone-${tone(n.state)}${isGate ? ' node-gate' : ''}" data-step="${n.id}" data-state="${n.state}">
    <span class="node-kind">${isGate ? 'gate' : 'task'}</span>
    <span class="node-id"><code>${n.id}</code></span>
    ${n.title ? html`<span class="node-title">${n.title}</span>` : ''}
    ${badge(n.state)}
    <ul class="node-details">${details}</ul>
  </li>`;
}

/** The graph section: one column (an ordered stage) per depth. */
export function stepGraph(s: RunStatus): SafeHtml {
  const columns = layers<Node>([...s.steps, ...s.gates]);
  if (columns.length === 0) return html`<p class="muted">This run has no steps.</p>`;
  const stages = columns.map((col, i) => {
    const id = domId('stage', String(i + 1));
    return html`<li class="stage" aria-labelledby="${id}">
      <h3 id="${id}" class="stage-title">Stage ${i + 1}</h3>
      <ul class="nodes">${col.map(nodeBox)}</ul>
    </li>`;
  });
  return html`<ol class="graph">${stages}</ol>`;
}
