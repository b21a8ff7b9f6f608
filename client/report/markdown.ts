/**
 * The completion report as markdown, rendered from the report object only. Plain claims: a state
 * is printed as recorded ("skipped", never "complete"), numbers are the recorded metrics, and a
 * value the run did not record is "—". It ends with the receipt.
 */
import { formatDuration } from '../../workflows/plan/duration';
import type { Report, ReportGate, ReportStep } from './schema';

const NONE = '—';

/** A table cell: pipes escaped, line breaks folded, empty as "—". */
function cell(text: string | number | boolean | null | undefined): string {
  if (text === null || text === undefined || text === '') return NONE;
  return String(text)
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r\n|\r|\n/g, ' ');
}

function took(ms: number | null): string {
  return ms === null ? NONE : formatDuration(ms);
}

function metrics(m: ReportStep['metrics']): string {
  const entries = Object.entries(m);
  return entries.length ? entries.map(([k, v]) => `${k}=${String(v)}`).join(', ') : NONE;
}

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

function stepsBlock(r: Report, h: string): string[] {
  if (r.steps.length === 0) return [];
  const rows = r.steps.map((t) => [
    `\`${cell(t.id)}\``,
    cell(t.agent),
    cell(t.state),
    String(t.attempts),
    took(t.durationMs),
    cell(t.leaseHolders.join(', ')),
    cell(metrics(t.metrics)),
    cell(t.summary ?? (t.error ? `error: ${t.error}` : null)),
  ]);
  return [
    '',
    `${h} Steps`,
    '',
    ...table(['step', 'agent', 'state', 'attempts', 'duration', 'lease holders', 'metrics', 'summary'], rows),
  ];
}

function gateBlock(g: ReportGate, h: string): string[] {
  const how = g.decidedBy ? ` (decided by ${g.decidedBy})` : '';
  const out = ['', `${h} Gate \`${g.id}\`: ${g.state}${how}`];
  if (g.title) out.push('', cell(g.title));
  out.push('');
  if (g.checks.length === 0) out.push('No checks.');
  else
    out.push(
      ...table(
        ['check', 'threshold', 'actual', 'passed'],
        g.checks.map((c) => [
          `\`${cell(c.metric)}\` ${cell(c.op)}`,
          cell(String(c.threshold)),
          cell(c.actual === null ? 'not recorded' : String(c.actual)),
          c.passed ? 'yes' : 'no',
        ]),
      ),
    );
  out.push('');
  if (g.votes.length === 0)
    out.push(g.approvers.length ? `No votes (quorum ${g.quorum} of ${g.approvers.join(', ')}).` : 'No approval step.');
  else
    out.push(
      ...table(
        ['approver', 'decision', 'comment', 'at'],
        g.votes.map((v) => [cell(v.approver), v.decision, cell(v.comment), cell(v.at)]),
      ),
    );
  return out;
}

function listsBlock(r: Report, h: string): string[] {
  const out: string[] = [];
  if (r.compensations.length > 0) {
    out.push(
      '',
      `${h} Compensations (in the order run)`,
      '',
      ...table(
        ['#', 'step', 'result', 'at', 'error'],
        r.compensations.map((c, i) => [String(i + 1), `\`${cell(c.step)}\``, c.state, cell(c.at), cell(c.error)]),
      ),
    );
  }
  if (r.escalations.length > 0) {
    out.push('', `${h} Escalations`, '', ...r.escalations.map((e) => `- ${e.at} \`${e.step}\`: ${e.reason}`));
  }
  return out;
}

function headline(r: Report): string[] {
  const ended = r.outcome ? `outcome **${r.outcome}**` : `not ended: state **${r.state}**`;
  const lines = [`Run \`${r.runId}\` of ${r.kind} plan \`${r.plan}\`: ${ended}.`, ''];
  lines.push(`Started ${r.startedAt ?? 'not yet'} · ended ${r.endedAt ?? 'not yet'} · took ${took(r.durationMs)}`);
  const by = [
    r.startedBy ? `started by \`${r.startedBy}\`` : '',
    r.scheduleId ? `by schedule \`${r.scheduleId}\`` : '',
    r.source ? `plan: ${r.source.kind} definition, sha256 \`${r.source.sha256}\`` : '',
  ].filter(Boolean);
  if (by.length) lines.push('', `${by.join(' · ')}`);
  if (r.cause) lines.push('', `Cause: ${r.cause}`);
  return lines;
}

/** The body of one run's report (no title, no receipt), headings at `level`. */
function body(r: Report, level: number): string[] {
  const h = '#'.repeat(level);
  const out = [...headline(r), ...stepsBlock(r, h)];
  if (r.gates.length) out.push('', `${h} Gates`);
  for (const g of r.gates) out.push(...gateBlock(g, `${h}#`));
  out.push(...listsBlock(r, h));
  for (const p of r.phases ?? []) {
    out.push(
      '',
      `${h} Phase ${p.index + 1} of ${r.phases?.length ?? 0}: ${p.title} (\`${p.plan}\`): ${p.outcome ?? p.state}`,
      '',
    );
    if (!p.report) out.push(p.runId ? `Run \`${p.runId}\`: its status could not be read.` : 'Not started.');
    else
      out.push(
        ...body(p.report, level + 1),
        '',
        `Phase receipt: status sha256 \`${p.report.receipt.statusSha256}\` · Temporal run id \`${p.report.receipt.temporalRunId ?? 'unknown'}\``,
      );
  }
  return out;
}

/** The whole report as markdown, ending with the receipt. */
export function renderReportMarkdown(r: Report): string {
  const lines = [`# Completion report: ${r.title}`, '', ...body(r, 2), '', '## Receipt', ''];
  lines.push(
    `- status sha256: \`${r.receipt.statusSha256}\` (sha256 of the run status as canonical JSON: keys sorted, no whitespace)`,
  );
  lines.push(`- workflow id: \`${r.receipt.workflowId}\``);
  lines.push(`- Temporal run id: \`${r.receipt.temporalRunId ?? 'unknown'}\``);
  lines.push('', `Check it: \`phase report --verify <this file>\` recomputes the digest from the live run.`);
  return `${lines.join('\n')}\n`;
}
