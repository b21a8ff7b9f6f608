/**
 * Starting runs and reading their status: the one place the API, the CLI scripts and the tests go
 * through, so every run carries the same id scheme, summary and search attributes.
 */
import { randomBytes } from 'node:crypto';
import { type Client, type WorkflowHandle, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { statusQuery, WORKFLOW_TYPES, type PhaseRunInput, type ProgramRunInput } from '../workflows/messages';
import type { PhasePlan, ResolvedProgramPlan } from '../workflows/plan/schema';
import { PhaseKind, PhasePlan as PhasePlanKey, PhaseState } from '../workflows/search-attributes';
import type { RunStatus } from '../workflows/status';

/** A plan ready to run: a phase, or a program with its phases resolved. */
export type RunnablePlan = PhasePlan | ResolvedProgramPlan;

/** Thrown when the requested run id is already used by another run. */
export class RunIdTakenError extends Error {
  constructor(readonly runId: string) {
    super(`run id "${runId}" is already taken`);
  }
}

/** A fresh run id: `<plan-id>-<4 hex>`, e.g. `phase-7-release-2f9c`. */
export function newRunId(planId: string): string {
  return `${planId}-${randomBytes(2).toString('hex')}`;
}

/** Options for {@link startRun}. */
export interface StartRunOptions {
  taskQueue: string;
  runId?: string;
}

/**
 * Starts a run of `plan` as a workflow whose id is the run id. The Temporal UI shows a summary
 * naming plan and title. Throws {@link RunIdTakenError} when the id is in use (open or closed).
 */
export async function startRun(client: Client, plan: RunnablePlan, opts: StartRunOptions): Promise<WorkflowHandle> {
  const runId = opts.runId ?? newRunId(plan.id);
  const isProgram = plan.kind === 'program';
  const args: [PhaseRunInput] | [ProgramRunInput] = isProgram ? [{ plan: plan as ResolvedProgramPlan }] : [{ plan: plan as PhasePlan }];
  const title = plan.title ?? plan.id;
  const stepCount = isProgram ? `${(plan as ResolvedProgramPlan).phases.length} phases` : `${(plan as PhasePlan).steps.length} steps`;
  try {
    return await client.workflow.start(isProgram ? WORKFLOW_TYPES.program : WORKFLOW_TYPES.phase, {
      workflowId: runId,
      taskQueue: opts.taskQueue,
      args,
      staticSummary: `${isProgram ? 'Program' : 'Phase'} ${plan.id}: ${title}`,
      staticDetails: `Plan \`${plan.id}\` — ${title} (${stepCount}).${plan.description ? `\n\n${plan.description}` : ''}`,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      // A worker that picks up a big run cold replays its whole history in one task; give it room.
      workflowTaskTimeout: '30s',
      typedSearchAttributes: new TypedSearchAttributes([
        { key: PhasePlanKey, value: plan.id },
        { key: PhaseState, value: 'running' },
        { key: PhaseKind, value: isProgram ? 'program' : 'phase' },
      ]),
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new RunIdTakenError(runId);
    throw err;
  }
}

/** The run's status from its `status` query (works on closed runs while a worker is up). */
export async function getRunStatus(client: Client, runId: string): Promise<RunStatus> {
  return client.workflow.getHandle(runId).query(statusQuery);
}
