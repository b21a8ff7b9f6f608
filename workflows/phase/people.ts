/**
 * Who may decide a gate, from what the run was started with: approver groups resolved to people
 * at the start (input `groups`, shown on each gate as `approverGroups`), and separation of duties
 * (`approval.separateDuties`: the starter and every lease holder of a task the gate needs,
 * transitively, may not vote). Status-only: nothing here emits a command.
 */
import { barredVoters, type DecisionContext } from '../gates';
import type { PhaseRunInput } from '../messages';
import { approverGroups } from '../plan/groups';
import type { GateStatus, RunStatus } from '../status';
import type { PhaseRun } from './run';

/** Puts the start's people facts into the status: `scheduleId`, each gate's groups and `separateDuties`. */
export function applyPeopleInput(run: PhaseRun, input: Pick<PhaseRunInput, 'scheduleId' | 'groups'>): void {
  run.status.scheduleId = input.scheduleId ?? null;
  for (const g of run.status.gates) {
    const approval = run.defs.get(g.id)?.gate?.approval;
    if (!approval) continue;
    const groups = approverGroups(approval.approvers, input.groups);
    if (Object.keys(groups).length > 0) g.approverGroups = groups;
    if (approval.separateDuties) g.separateDuties = true;
  }
}

/** Every step the step `id` needs, directly or through other steps. */
export function transitiveNeeds(run: Pick<PhaseRun, 'needsOf'>, id: string): Set<string> {
  const seen = new Set<string>();
  const queue = [...(run.needsOf.get(id) ?? [])];
  while (queue.length > 0) {
    const next = queue.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    queue.push(...(run.needsOf.get(next) ?? []));
  }
  return seen;
}

/** What a vote on `gate` is judged by: its groups' members and, under separation of duties, who is barred. */
export function decisionContext(run: PhaseRun, gate: GateStatus | undefined): DecisionContext {
  if (!gate) return {};
  const ctx: DecisionContext = gate.approverGroups ? { groups: gate.approverGroups } : {};
  if (!gate.separateDuties) return ctx;
  const startedBy = (run.status as RunStatus & { startedBy?: string | null }).startedBy ?? null;
  return { ...ctx, barred: barredVoters(startedBy, run.status.steps, transitiveNeeds(run, gate.id)) };
}
