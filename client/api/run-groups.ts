/**
 * The approver groups a run starts with: each `group:<name>` its plan names, resolved to members
 * (from `PHASEGATE_GROUPS` and token `groups`) into the workflow input, so the workflow decides
 * membership deterministically (see `client/groups.ts`). A gate whose quorum its resolved voters
 * cannot reach is refused here (400 naming the path): the run could never pass it.
 */
import type { GroupMembers } from '../groups';
import { unreachableQuorums } from '../../workflows/plan/groups';
import type { RunnablePlan } from '../runs';
import { ApiError } from './api-error';
import type { AppDeps } from './deps';
import { summarize } from './errors';

/** The groups to put in the run's input (`{}` when the plan names none). Throws a 400 `ApiError` for an unreachable quorum. */
export function groupsForStart(deps: Pick<AppDeps, 'groups'>, plan: RunnablePlan): GroupMembers {
  const groups = deps.groups.resolveFor(plan);
  if (Object.keys(groups).length === 0) return {};
  const phases =
    plan.kind === 'program'
      ? plan.phases.map((p, i) => ({ prefix: `plan.phases[${i}].`, steps: p.steps }))
      : [{ prefix: 'plan.', steps: plan.steps }];
  const details = phases.flatMap(({ prefix, steps }) =>
    unreachableQuorums(steps, groups).map((p) => ({ path: `${prefix}${p.path}`, message: p.message })),
  );
  if (details.length > 0) throw new ApiError(400, summarize(details, 'a gate can never pass'), details);
  return groups;
}
