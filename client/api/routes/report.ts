/** `GET /api/runs/:runId/report`: the run's completion report (markdown, or JSON with `?format=json`). */
import { z } from 'zod';
import { loadReport, renderReportMarkdown } from '../../report';
import { withDeadline } from '../deps';
import { defineRoute } from '../route';
import { ErrorSchema, RunParamsSchema } from '../schemas';

/** Query of the report route: `format` is `markdown` (default) or `json`. */
export const ReportQuerySchema = z.strictObject({
  format: z
    .enum(['markdown', 'json'], { error: 'must be markdown or json' })
    .optional()
    .describe('markdown (default) or json'),
});
/** The report route's query. */
export type ReportQuery = z.infer<typeof ReportQuerySchema>;

const error = (description: string) => ({ description, schema: ErrorSchema });

/** `GET /api/runs/:runId/report` */
export const reportRoute = defineRoute({
  method: 'get',
  path: '/api/runs/:runId/report',
  summary: "The run's completion report, ending with a receipt",
  description:
    "Built from the run's status alone: outcome and timing, each step (state, attempts, duration, agent, lease holders, metrics, summary), " +
    'each gate (every check and vote), compensations in the order run, escalations, and for a program one section per phase. ' +
    'The receipt is the sha256 of the run status as canonical JSON (keys sorted, no whitespace), the workflow id and the Temporal run id. ' +
    '`text/markdown` by default; `?format=json` for the same content as JSON.',
  tags: ['runs'],
  access: 'any',
  params: RunParamsSchema,
  query: ReportQuerySchema,
  responses: {
    200: { description: 'the report (text/markdown, or application/json with format=json)' },
    400: error('invalid run id or format'),
    404: error('no such run'),
    503: error('no worker answered the status query in time'),
  },
  async handler({ params, query, deps }) {
    const report = await withDeadline(deps, () => loadReport(deps.client, params.runId));
    if (query.format === 'json') return { status: 200, body: report };
    return { status: 200, body: renderReportMarkdown(report), contentType: 'text/markdown; charset=utf-8' };
  },
});
