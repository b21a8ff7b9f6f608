/**
 * The completion report as JSON (`GET /api/runs/:runId/report?format=json`, `phase report --json`):
 * only facts the run's status records, arranged for reading. The markdown report is rendered from
 * this object and nothing else.
 */
import { z } from 'zod';

const MetricValue = z.union([z.number(), z.string(), z.boolean()]);

/** One task step: what it did, how often, how long, who held it. */
export const ReportStepSchema = z.object({
  id: z.string(),
  title: z.string().nullable(),
  agent: z.string().nullable(),
  executor: z.string(),
  state: z.string(),
  attempts: z.number(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  durationMs: z.number().nullable().describe('endedAt − startedAt; null unless both are recorded'),
  leaseHolders: z.array(z.string()).describe('identities that held a lease on (claimed) this step, in order'),
  metrics: z.record(z.string(), MetricValue),
  summary: z.string().nullable(),
  error: z.string().nullable(),
});
/** A step of the report. */
export type ReportStep = z.infer<typeof ReportStepSchema>;

/** One gate: every check and every vote. */
export const ReportGateSchema = z.object({
  id: z.string(),
  title: z.string().nullable(),
  state: z.string(),
  decidedBy: z.string().nullable(),
  quorum: z.number(),
  approvers: z.array(z.string()),
  checks: z.array(
    z.object({
      metric: z.string(),
      op: z.string(),
      threshold: MetricValue,
      actual: MetricValue.nullable(),
      passed: z.boolean(),
    }),
  ),
  votes: z.array(
    z.object({
      approver: z.string(),
      decision: z.string(),
      comment: z.string().nullable(),
      at: z.string(),
      via: z.string().nullable(),
    }),
  ),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
});
/** A gate of the report. */
export type ReportGate = z.infer<typeof ReportGateSchema>;

/** What anyone can check the report against: the status digest and the Temporal ids. */
export const ReceiptSchema = z.object({
  statusSha256: z.string().describe('sha256 (hex) of the canonical JSON of the run status'),
  canonicalization: z.literal('json-sorted-keys-no-whitespace'),
  workflowId: z.string(),
  temporalRunId: z.string().nullable(),
});
/** A receipt. */
export type Receipt = z.infer<typeof ReceiptSchema>;

/** The report of one run (phase or program). */
export interface Report {
  runId: string;
  plan: string;
  title: string;
  kind: 'phase' | 'program';
  state: string;
  outcome: string | null;
  cause: string | null;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  /** Who started the run (token identity), when the status records it. */
  startedBy: string | null;
  /** Which definition ran (bundled file or inline plan, and its hash), when recorded. */
  source: { kind: string; sha256: string } | null;
  /** The Temporal Schedule that started the run, when one did. */
  scheduleId: string | null;
  steps: ReportStep[];
  gates: ReportGate[];
  compensations: { step: string; state: string; at: string; error: string | null }[];
  escalations: { step: string; reason: string; at: string }[];
  /** Programs: one entry per phase, with that phase's report once it has a run. */
  phases:
    | {
        index: number;
        plan: string;
        title: string;
        runId: string | null;
        state: string;
        outcome: string | null;
        report: Report | null;
      }[]
    | null;
  receipt: Receipt;
}

/** The report, as a zod schema (for the OpenAPI document and tests). */
export const ReportSchema: z.ZodType<Report> = z.lazy(() =>
  z.object({
    runId: z.string(),
    plan: z.string(),
    title: z.string(),
    kind: z.enum(['phase', 'program']),
    state: z.string(),
    outcome: z.string().nullable(),
    cause: z.string().nullable(),
    startedAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    durationMs: z.number().nullable(),
    startedBy: z.string().nullable(),
    source: z.object({ kind: z.string(), sha256: z.string() }).nullable(),
    scheduleId: z.string().nullable(),
    steps: z.array(ReportStepSchema),
    gates: z.array(ReportGateSchema),
    compensations: z.array(
      z.object({ step: z.string(), state: z.string(), at: z.string(), error: z.string().nullable() }),
    ),
    escalations: z.array(z.object({ step: z.string(), reason: z.string(), at: z.string() })),
    phases: z
      .array(
        z.object({
          index: z.number(),
          plan: z.string(),
          title: z.string(),
          runId: z.string().nullable(),
          state: z.string(),
          outcome: z.string().nullable(),
          report: ReportSchema.nullable(),
        }),
      )
      .nullable(),
    receipt: ReceiptSchema,
  }),
);
