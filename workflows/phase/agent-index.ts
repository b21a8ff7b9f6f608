/**
 * The run's agent lease index, kept where the API can read it without asking the run: the
 * `AgentIndex` search attribute (`claimable:<agent>`, `lease:<leaseId>`) and the `agentTasks` memo
 * (the open agent tasks, oldest first). Both are new workflow commands, so they are behind the
 * `agent-lease-index` patch: histories recorded before it replay without them. Runs that never
 * open an agent task never reach the patch (no marker in their history).
 */
import { patched, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import { agentIndex, type AgentTaskMemo, type OpenTask } from '../agent-lease';
import type { OpenAttempt } from '../agent-task';
import { AgentIndex } from '../search-attributes';
import type { StepStatus } from '../status';

/** The patch id guarding the index commands. */
export const AGENT_INDEX_PATCH = 'agent-lease-index';
/**
 * Open tasks listed in the memo (Temporal warns above 2 KiB of memo); a run with more says so
 * (`agentTasksOpen`) and the API asks that run for its status instead.
 */
export const MEMO_MAX_TASKS = 12;
/** Bytes of `AgentIndex` values: Temporal limits a search attribute value to 2 KiB. */
const INDEX_BUDGET = 1_800;

/** The index values that fit the budget: every `claimable:` entry first, then leases. */
function bounded(index: string[]): string[] {
  const ordered = [
    ...index.filter((v) => v.startsWith('claimable:')),
    ...index.filter((v) => !v.startsWith('claimable:')),
  ];
  const out: string[] = [];
  let size = 2;
  for (const v of ordered) {
    if (size + v.length + 3 > INDEX_BUDGET) break;
    size += v.length + 3;
    out.push(v);
  }
  return out.sort();
}

/** Upserts the index and memo of a run when they change. */
export class AgentIndexPublisher {
  private last = '';
  private enabled: boolean | undefined;

  /** Publishes the open attempts' index (a no-op before the first agent attempt, and on old histories). */
  publish(openAttempts: ReadonlyMap<string, OpenAttempt>, tasks: ReadonlyMap<string, StepStatus>): void {
    if (this.enabled === undefined) {
      if (openAttempts.size === 0) return;
      // Decided once per run: a run replayed from a pre-index history keeps running without it.
      this.enabled = patched(AGENT_INDEX_PATCH);
    }
    if (!this.enabled) return;
    const open: OpenTask[] = [];
    for (const [id, o] of openAttempts) {
      const step = tasks.get(id);
      if (step) open.push({ step, open: o });
    }
    const { index, memo } = agentIndex(open);
    const listed: AgentTaskMemo[] = memo.slice(0, MEMO_MAX_TASKS);
    const values = bounded(index);
    const key = JSON.stringify([values, listed, memo.length]);
    if (key === this.last) return;
    this.last = key;
    upsertSearchAttributes([{ key: AgentIndex, value: values }]);
    upsertMemo({ agentTasks: listed, agentTasksOpen: memo.length });
  }
}
