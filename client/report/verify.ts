/**
 * Checking a saved report against the live run (`phase report --verify <file>`): the report is a
 * pure function of the run's status, so a report that still tells the truth is byte for byte the
 * one the run produces now. The receipt is compared first (digest, workflow id, Temporal run id),
 * then the whole text, so an edited byte anywhere is found and its line named.
 */
import { canonicalJson } from './canonical';
import type { Receipt } from './schema';

/** The receipt fields found in a saved report (markdown or JSON). */
export interface SavedReceipt {
  format: 'markdown' | 'json';
  workflowId: string;
  statusSha256: string | null;
  temporalRunId: string | null;
}

/** Reads the receipt of a saved report; `undefined` when the text holds none. */
export function parseReceipt(text: string): SavedReceipt | undefined {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    try {
      const receipt = (JSON.parse(text) as { receipt?: Partial<Receipt> }).receipt;
      if (!receipt || typeof receipt.workflowId !== 'string') return undefined;
      return {
        format: 'json',
        workflowId: receipt.workflowId,
        statusSha256: receipt.statusSha256 ?? null,
        temporalRunId: receipt.temporalRunId ?? null,
      };
    } catch {
      return undefined;
    }
  }
  const at = text.lastIndexOf('\n## Receipt');
  const block = at >= 0 ? text.slice(at) : '';
  const workflowId = /^- workflow id: `([^`]+)`/m.exec(block)?.[1];
  if (!workflowId) return undefined;
  return {
    format: 'markdown',
    workflowId,
    statusSha256: /^- status sha256: `([0-9a-f]+)`/m.exec(block)?.[1] ?? null,
    temporalRunId: /^- Temporal run id: `([^`]+)`/m.exec(block)?.[1] ?? null,
  };
}

/** The verdict: `match` only when the receipt and every byte agree. */
export interface Verdict {
  match: boolean;
  /** Human lines explaining the verdict. */
  lines: string[];
}

function firstDifference(saved: string, live: string): string {
  const a = saved.split('\n');
  const b = live.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i])
      return `line ${i + 1} differs:\n  file: ${JSON.stringify(a[i] ?? '(end of file)').slice(0, 200)}\n  run:  ${JSON.stringify(b[i] ?? '(end of report)').slice(0, 200)}`;
  }
  return 'the texts differ';
}

/**
 * Compares a saved report with the report the live run gives now (`live`, same format) and the
 * live receipt. A JSON report is compared in canonical form (key order and whitespace do not count).
 */
export function compareReports(saved: string, savedReceipt: SavedReceipt, live: string, liveReceipt: Receipt): Verdict {
  const lines: string[] = [];
  let match = true;
  const field = (name: string, a: string | null, b: string | null) => {
    if (a === b) lines.push(`${name}: ${b} (matches)`);
    else {
      match = false;
      lines.push(`${name}: file says ${a ?? '(missing)'}, run says ${b ?? '(unknown)'}`);
    }
  };
  field('status sha256', savedReceipt.statusSha256, liveReceipt.statusSha256);
  field('Temporal run id', savedReceipt.temporalRunId, liveReceipt.temporalRunId);
  let same: boolean;
  if (savedReceipt.format === 'json') {
    try {
      same = canonicalJson(JSON.parse(saved)) === canonicalJson(JSON.parse(live));
    } catch {
      same = false;
    }
  } else {
    same = saved === live;
  }
  if (same) lines.push('report text: identical to the report of the live run');
  else {
    match = false;
    lines.push(
      savedReceipt.format === 'json'
        ? 'report JSON: differs from the report of the live run'
        : `report text: ${firstDifference(saved, live)}`,
    );
  }
  return { match, lines };
}
