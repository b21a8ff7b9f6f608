/** `list_plans` and `validate_plan`. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { PlanSummary } from '../../api/schemas';
import { BackendError, type PhasegateBackend } from '../backend';
import { TOOL_TEXT } from '../descriptions';
import { guarded, toolResult } from '../results';
import { ListPlansInputSchema, ValidatePlanInputSchema } from '../schemas';

/** Registers the plan tools. */
export function registerPlanTools(server: McpServer, backend: PhasegateBackend): void {
  server.registerTool(
    'list_plans',
    { ...TOOL_TEXT.list_plans, inputSchema: ListPlansInputSchema, annotations: { readOnlyHint: true } },
    () =>
      guarded(async () => {
        const plans = (await backend.call('listPlans')).body as PlanSummary[];
        return toolResult({ plans }, `${plans.length} bundled plan(s): ${plans.map((p) => p.id).join(', ') || 'none'}`);
      }),
  );

  server.registerTool(
    'validate_plan',
    { ...TOOL_TEXT.validate_plan, inputSchema: ValidatePlanInputSchema, annotations: { readOnlyHint: true } },
    (args) =>
      guarded(async () => {
        const body = args.yaml !== undefined ? { yaml: args.yaml } : args.plan;
        try {
          const ok = (await backend.call('validatePlan', { body })).body as { ok: true; plan: { id: string } };
          return toolResult(ok, `valid plan "${ok.plan.id}"`);
        } catch (err) {
          // An invalid plan is this tool's answer, not a failed call: {ok: false, errors}.
          if (!(err instanceof BackendError) || err.status !== 400 || err.extra.ok !== false) throw err;
          const errors = err.details;
          return toolResult(
            { ok: false, errors },
            `invalid plan: ${errors.length} problem(s)\n${errors.map((e) => `- ${e.path || '(plan)'}: ${e.message}`).join('\n')}`,
          );
        }
      }),
  );
}
