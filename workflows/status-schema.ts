/**
 * The run status (SPEC §4) as zod schemas, each beside its `z.infer` type: the one source for what
 * the `status` query returns, what `GET /api/runs/:runId` serves and what the OpenAPI document
 * says. Add a field to one of these schemas and it is in the engine's type, the API's response
 * schema and the document at once; fields may be added, never renamed.
 *
 * The three top-level schemas carry `.meta({id})`, which names them as shared components of the
 * OpenAPI document (client/api/openapi.ts).
 *
 * This is the entry module: it defines `RunStatus` and re-exports the parts, split by role — states
 * (`status-schema-states.ts`), task steps (`status-schema-steps.ts`), gates
 * (`status-schema-gates.ts`), run-level records (`status-schema-records.ts`). Import from here, not
 * from the parts.
 *
 * Workflow code imports only the TYPES of this module (`import type`, through `./status`), so zod
 * stays out of the workflow bundle; the API and the tests use the schemas.
 */
import { z } from 'zod';
import { OutcomeSchema, RunStateSchema } from './status-schema-states';
import { StepStatusSchema } from './status-schema-steps';
import { GateStatusSchema } from './status-schema-gates';
import {
  CheckpointRecordSchema,
  CompensationRecordSchema,
  EscalationRecordSchema,
  PhaseRecordSchema,
  RunEventSchema,
  RunSourceSchema,
} from './status-schema-records';

export * from './status-schema-states';
export * from './status-schema-steps';
export * from './status-schema-gates';
export * from './status-schema-records';

/** The whole run status. */
export const RunStatusSchema = z
  .object({
    runId: z.string(),
    plan: z.string(),
    title: z.string(),
    kind: z.enum(['phase', 'program']),
    state: RunStateSchema,
    outcome: OutcomeSchema.nullable(),
    /** Why the run ended the way it did (the original cause of a rollback). */
    cause: z.string().nullable().describe('why the run ended the way it did (the original cause of a rollback)'),
    startedAt: z.string().nullable().describe('when the run started; null while it is scheduled (waiting for startAt)'),
    /** The plan's `startAt`, when the run waited (or waits) for it. */
    startAt: z.string().optional().describe('the startAt the run waits (or waited) for'),
    endedAt: z.string().nullable(),
    steps: z.array(StepStatusSchema),
    gates: z.array(GateStatusSchema),
    compensations: z.array(CompensationRecordSchema),
    escalations: z.array(EscalationRecordSchema),
    events: z.array(RunEventSchema),
    /** How many events were left out of `events` to bound its size (the Temporal history has them all). */
    eventsDropped: z
      .number()
      .optional()
      .describe('how many events were left out of events to bound its size (the Temporal history has them all)'),
    phases: z.array(PhaseRecordSchema).optional(),
    /** The Temporal Schedule that started the run, or null. */
    scheduleId: z.string().nullable().optional().describe('the Temporal Schedule that started the run, or null'),
    /** Which definition ran (null: not started through the API, e.g. by `temporal workflow start`). */
    source: RunSourceSchema.nullable()
      .optional()
      .describe('which definition ran: bundled or inline, with its sha256; null when not started through the API'),
    /** Token identity of whoever started the run; null without tokens. */
    startedBy: z
      .string()
      .nullable()
      .optional()
      .describe('token identity of whoever started the run; null without tokens'),
    /** The last checkpoints (plan `checkpoint`), oldest first. */
    checkpoints: z
      .array(CheckpointRecordSchema)
      .optional()
      .describe('the last 20 checkpoints (plan checkpoint: ...), oldest first'),
  })
  .meta({ id: 'RunStatus' });
/** The whole run status. */
export type RunStatus = z.infer<typeof RunStatusSchema>;
