/** Every route of the API, in the order they are matched (more specific paths first where it matters). */
import type { AnyRoute } from '../route';
import { agentTasksRoute, claimNextRoute, claimRoute, completeRoute, failRoute, heartbeatRoute } from './agents';
import { decideRoute, retryRoute, skipRoute } from './decisions';
import { healthRoute } from './health';
import { openApiRoute } from './openapi';
import { listPlansRoute, validatePlanRoute } from './plans';
import { reportRoute } from './report';
import { cancelRunRoute, getRunRoute, listRunsRoute, startRunRoute } from './runs';
import { startRunBatchRoute } from './runs-batch';
import {
  applyScheduleRoute,
  createScheduleRoute,
  deleteScheduleRoute,
  getScheduleRoute,
  listSchedulesRoute,
  pauseScheduleRoute,
  triggerScheduleRoute,
  unpauseScheduleRoute,
} from './schedules';

/** All routes, the OpenAPI route included. */
export function allRoutes(): AnyRoute[] {
  const routes: AnyRoute[] = [
    healthRoute,
    listPlansRoute,
    validatePlanRoute,
    startRunRoute,
    // Before every /api/runs/:runId route: none is a POST of two segments today, but a literal path is
    // matched first so a later `POST /api/runs/:runId` could not swallow `batch` as a run id.
    startRunBatchRoute,
    listRunsRoute,
    getRunRoute,
    reportRoute,
    decideRoute,
    cancelRunRoute,
    retryRoute,
    skipRoute,
    agentTasksRoute,
    claimNextRoute,
    claimRoute,
    heartbeatRoute,
    completeRoute,
    failRoute,
    createScheduleRoute,
    listSchedulesRoute,
    getScheduleRoute,
    deleteScheduleRoute,
    applyScheduleRoute,
    pauseScheduleRoute,
    unpauseScheduleRoute,
    triggerScheduleRoute,
  ];
  routes.push(openApiRoute(() => routes));
  return routes;
}
