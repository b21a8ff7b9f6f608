/**
 * Programs seen from the client: which phase is running, its live state, and where a request for
 * a program's gate or step must go. A program workflow cannot query its children (workflow code
 * has no client), so it records only what it knows itself: `pending` before a phase starts,
 * `running` once started, then the phase's outcome. Whoever serves a program's status (API, pages,
 * report) asks the running child for its real state (`awaiting-approval`, `held`, …) here.
 */
import type { Client } from '@temporalio/client';
import { statusQuery } from '../workflows/messages';
import type { PhaseRecord, RunStatus } from '../workflows/status';

/** The phase of a program that is running now: its record, its index (0-based) and the count. */
export interface RunningPhase {
  record: PhaseRecord & { runId: string };
  index: number;
  of: number;
}

/**
 * The program's running phase: the first phase that has a run and no outcome yet (phases run one
 * at a time, in order). `undefined` for a phase run, or when no phase is running (not started
 * yet, or the program has ended).
 */
export function runningPhase(status: RunStatus): RunningPhase | undefined {
  if (status.kind !== 'program' || !status.phases || status.outcome) return undefined;
  const index = status.phases.findIndex((p) => p.runId !== null && p.outcome === null);
  const record = status.phases[index];
  if (index < 0 || !record || record.runId === null) return undefined;
  return { record: record as RunningPhase['record'], index, of: status.phases.length };
}

/** "phase 2 of 5 (week-2, run prog--week-2)": how messages name a program's phase. */
export function phaseLabel(p: RunningPhase): string {
  return `phase ${p.index + 1} of ${p.of} (${p.record.plan}, run ${p.record.runId})`;
}

/**
 * Fills the live state of a program's running phase from that child's own status query (a copy;
 * `status` is not changed). A child that cannot be read keeps the program's own record (`running`):
 * the program's answer is still true, only less detailed. Phase runs are returned as they are.
 */
export async function withLivePhases(client: Client, status: RunStatus): Promise<RunStatus> {
  const running = runningPhase(status);
  if (!running || !status.phases) return status;
  try {
    const child = await client.workflow.getHandle(running.record.runId).query(statusQuery);
    const phases = status.phases.map((p, i) => (i === running.index ? { ...p, state: child.state } : p));
    return { ...status, phases };
  } catch {
    return status;
  }
}

/** The status of any run, with a program's running phase showing its live state. */
export async function readRunStatus(client: Client, runId: string): Promise<RunStatus> {
  return withLivePhases(client, await client.workflow.getHandle(runId).query(statusQuery));
}

/** Where a program's phase run sits in its program: for pages that name "<program> · phase i of n". */
export interface PhaseOfProgram {
  programRunId: string;
  programTitle: string;
  index: number;
  of: number;
}

/**
 * The program a phase run belongs to, found from the phase run id scheme `<program>--<phase>` and
 * confirmed against the program's status; `undefined` when the run is not a program's phase (or
 * the program cannot be read).
 */
export async function programOf(client: Client, runId: string): Promise<PhaseOfProgram | undefined> {
  const cut = runId.lastIndexOf('--');
  if (cut <= 0) return undefined;
  const programRunId = runId.slice(0, cut);
  try {
    const program = await client.workflow.getHandle(programRunId).query(statusQuery);
    const index = program.phases?.findIndex((p) => p.runId === runId) ?? -1;
    if (program.kind !== 'program' || index < 0) return undefined;
    return { programRunId, programTitle: program.title, index, of: program.phases?.length ?? 0 };
  } catch {
    return undefined;
  }
}
