/**
 * Starting runs and reading their status: the one place the API, the CLI scripts and the tests go
 * through, so every run carries the same id scheme, summary and search attributes.
 */
import { randomBytes } from 'node:crypto';
import { type Client, type WorkflowHandle, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { TypedSearchAttributes, type SearchAttributePair } from '@temporalio/common';
import {
  statusQuery,
  WORKFLOW_TYPES,
  type PhaseRunInput,
  type ProgramRunInput,
  type RunSourceInput,
} from '../workflows/messages';
import type { PhasePlan, ResolvedProgramPlan } from '../workflows/plan/schema';
import { PhaseKind, PhasePlan as PhasePlanKey, PhaseSource, PhaseState } from '../workflows/search-attributes';
import type { RunStatus } from '../workflows/status';

/** A plan ready to run: a phase, or a program with its phases resolved. */
export type RunnablePlan = PhasePlan | ResolvedProgramPlan;

/** Thrown when the requested run id is already used by another run. */
export class RunIdTakenError extends Error {
  constructor(readonly runId: string) {
    super(`run id "${runId}" is already taken`);
  }
}

/**
 * A fresh run id: `<plan-id>-<4 hex>`, e.g. `phase-7-release-2f9c`; `bytes` widens the suffix
 * (used when short ids of a busy plan keep colliding).
 */
export function newRunId(planId: string, bytes = 2): string {
  return `${planId}-${randomBytes(bytes).toString('hex')}`;
}

/** Generated ids to try before giving up: short ones first, then a wide one that will not collide. */
const GENERATED_ID_BYTES = [2, 2, 2, 2, 6];

/** Options for {@link startRun}; the extras go into the workflow input. */
export interface StartRunOptions extends RunInputExtras {
  taskQueue: string;
  runId?: string;
}

/**
 * Starts a run of `plan` as a workflow whose id is the run id. The Temporal UI shows a summary
 * naming plan and title. Throws {@link RunIdTakenError} when the id is in use (open or closed).
 */
export async function startRun(client: Client, plan: RunnablePlan, opts: StartRunOptions): Promise<WorkflowHandle> {
  if (opts.runId) return startWithId(client, plan, opts, opts.runId);
  // 4 hex digits collide among a few hundred runs of one plan: a generated id that is taken is
  // the generator's problem, not the caller's, so draw another.
  for (const [i, bytes] of GENERATED_ID_BYTES.entries()) {
    try {
      return await startWithId(client, plan, opts, newRunId(plan.id, bytes));
    } catch (err) {
      if (!(err instanceof RunIdTakenError) || i === GENERATED_ID_BYTES.length - 1) throw err;
    }
  }
  throw new Error('unreachable');
}

/** Inputs a run carries besides its plan, the same for a start by hand and by a schedule. */
export interface RunInputExtras {
  /** The Temporal Schedule that starts the run (becomes `scheduleId` in its status). */
  scheduleId?: string;
  /** Approver groups the plan names → their members now (see `client/groups.ts`). */
  groups?: Record<string, string[]>;
  /** Bundled or inline, with the plan's sha256 (status `source`, search attribute `PhaseSource`). */
  source?: RunSourceInput;
  /** Token identity of the starter (status `startedBy`). */
  startedBy?: string;
  /** Signal decisions must be signed (the API has tokens configured). */
  signedSignals?: boolean;
}

/** The start options {@link runStartTemplate} builds. */
export interface RunStartTemplate {
  workflowType: string;
  args: [PhaseRunInput] | [ProgramRunInput];
  staticSummary: string;
  staticDetails: string;
  workflowTaskTimeout: string;
  typedSearchAttributes: SearchAttributePair[];
}

/**
 * What every start of `plan` sends, apart from its workflow id: workflow type, input, UI summary
 * and details, search attributes. The one place the workflow input is built, so a run started by
 * `startRun` and one started by a Temporal Schedule's action are the same kind of run.
 */
export function runStartTemplate(plan: RunnablePlan, extras: RunInputExtras = {}): RunStartTemplate {
  const isProgram = plan.kind === 'program';
  const more = {
    ...(extras.scheduleId ? { scheduleId: extras.scheduleId } : {}),
    ...(extras.groups && Object.keys(extras.groups).length > 0 ? { groups: extras.groups } : {}),
    ...(extras.source ? { source: extras.source } : {}),
    ...(extras.startedBy ? { startedBy: extras.startedBy } : {}),
    ...(extras.signedSignals ? { signedSignals: true } : {}),
  };
  const args: [PhaseRunInput] | [ProgramRunInput] = isProgram
    ? [{ plan: plan as ResolvedProgramPlan, ...more }]
    : [{ plan: plan as PhasePlan, ...more }];
  const title = plan.title ?? plan.id;
  const stepCount = isProgram
    ? `${(plan as ResolvedProgramPlan).phases.length} phases`
    : `${(plan as PhasePlan).steps.length} steps`;
  return {
    workflowType: isProgram ? WORKFLOW_TYPES.program : WORKFLOW_TYPES.phase,
    args,
    staticSummary: `${isProgram ? 'Program' : 'Phase'} ${plan.id}: ${title}`,
    staticDetails: `Plan \`${plan.id}\` — ${title} (${stepCount}).${plan.description ? `\n\n${plan.description}` : ''}`,
    // A worker that picks up a big run cold replays its whole history in one task; give it room.
    workflowTaskTimeout: '30s',
    typedSearchAttributes: [
      { key: PhasePlanKey, value: plan.id },
      { key: PhaseState, value: 'running' },
      { key: PhaseKind, value: isProgram ? 'program' : 'phase' },
      ...(extras.source ? [{ key: PhaseSource, value: extras.source.kind }] : []),
    ],
  };
}

async function startWithId(
  client: Client,
  plan: RunnablePlan,
  opts: StartRunOptions,
  runId: string,
): Promise<WorkflowHandle> {
  const { workflowType, typedSearchAttributes, ...template } = runStartTemplate(plan, opts);
  try {
    return await client.workflow.start(workflowType, {
      ...template,
      workflowId: runId,
      taskQueue: opts.taskQueue,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: new TypedSearchAttributes(typedSearchAttributes),
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
