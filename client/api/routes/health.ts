/** `GET /healthz`: the API answers, and Temporal is reachable within a short deadline. */
import { HealthSchema, type Health } from '../schemas';
import { defineRoute } from '../route';
import { NoQuerySchema } from '../schemas';

/** The health route (public: load balancers and `npm start` poll it without a token). */
export const healthRoute = defineRoute({
  method: 'get',
  path: '/healthz',
  summary: 'API and Temporal reachability',
  tags: ['health'],
  access: 'public',
  query: NoQuerySchema,
  responses: {
    200: { description: 'the API is up and Temporal answers', schema: HealthSchema },
    503: { description: 'Temporal does not answer', schema: HealthSchema },
  },
  async handler({ deps }) {
    const base = { namespace: deps.namespace, taskQueue: deps.taskQueue };
    try {
      await deps.client.withDeadline(Date.now() + deps.healthTimeoutMs, () =>
        deps.client.workflowService.getSystemInfo({}),
      );
      const body: Health = { ok: true, temporal: 'reachable', ...base };
      return { status: 200, body };
    } catch (err) {
      const body: Health = {
        ok: false,
        temporal: 'unreachable',
        ...base,
        error: `Temporal did not answer within ${deps.healthTimeoutMs}ms: ${(err as Error).message.slice(0, 200)}`,
      };
      return { status: 503, body };
    }
  },
});
