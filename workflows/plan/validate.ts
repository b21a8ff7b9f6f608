/**
 * Plan validation: structure (zod) plus the rules that need the whole plan. Every problem is
 * reported with its path, e.g. `steps[2].needs[0]`, so an editor or a CLI can point at it.
 */
import { findCycle, upstreamOf, type GraphNode } from './graph';
import { groupOf } from './groups';
import { issuesToPlanProblems } from './issues';
import { stepNeeds } from './resolve';
import {
  PhasePlanSchema,
  ProgramPlanSchema,
  type Approval,
  type PhasePlan,
  type Plan,
  type ProgramPlan,
  type Step,
} from './schema';

/** One validation problem. */
export interface PlanError {
  /** Where in the plan, e.g. `steps[2].gate.checks[0].metric`; empty for the whole plan. */
  path: string;
  message: string;
}

/** The outcome of validating a plan. */
export type PlanValidation = { ok: true; plan: Plan } | { ok: false; errors: PlanError[] };

/** Formats a zod/issue path as `a.b[2].c`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** Formats a path below the plan's `prefix` (e.g. `phases[1]` for an inline phase of a program). */
type At = (...path: PropertyKey[]) => string;

/** What the whole-plan rules of one phase share: the plan, where its steps are, where to report. */
interface PhaseContext {
  plan: PhasePlan;
  /** Each step id's first index in `plan.steps`. */
  firstIndex: ReadonlyMap<string, number>;
  at: At;
  /** Problems found so far, appended to in the order they are reported. */
  errors: PlanError[];
}

/** Whole-plan rules of a phase: ids, references, cycles, metrics, quorum. */
export function phaseErrors(plan: PhasePlan, prefix: readonly PropertyKey[] = []): PlanError[] {
  const errors: PlanError[] = [];
  const at: At = (...path) => formatPath([...prefix, ...path]);
  // The order below is the order problems are reported in: ids, references, the cycle, then each
  // gate's checks and approval.
  const firstIndex = duplicateIdErrors(plan, at, errors);
  const ctx: PhaseContext = { plan, firstIndex, at, errors };
  const nodes: GraphNode[] = plan.steps.map((s) => ({ id: s.id, needs: stepNeeds(s) }));
  needsErrors(ctx);
  const cycle = cycleError(ctx, nodes);
  plan.steps.forEach((step, i) => {
    if (!step.gate) return;
    // With a cycle the order is already wrong: count every step as upstream rather than add
    // "does not depend" problems on top of the cycle.
    const upstream = cycle ? new Set(firstIndex.keys()) : upstreamOf(nodes, step.id);
    checkErrors(ctx, step, i, upstream);
    approvalErrors(ctx, step.gate.approval, i);
  });
  return errors;
}

/** Reports repeated step ids; returns each id's first index. */
function duplicateIdErrors(plan: PhasePlan, at: At, errors: PlanError[]): Map<string, number> {
  const firstIndex = new Map<string, number>();
  plan.steps.forEach((step, i) => {
    const seen = firstIndex.get(step.id);
    if (seen !== undefined)
      errors.push({
        path: at('steps', i, 'id'),
        message: `duplicate step id "${step.id}" (first used by steps[${seen}])`,
      });
    else firstIndex.set(step.id, i);
  });
  return firstIndex;
}

/** Reports `needs` (of tasks and gates) naming no step of the plan, or the step itself. */
function needsErrors({ plan, firstIndex, at, errors }: PhaseContext): void {
  plan.steps.forEach((step, i) => {
    const check = (list: readonly string[] | undefined, ...path: PropertyKey[]) =>
      list?.forEach((need, j) => {
        if (!firstIndex.has(need))
          errors.push({
            path: at('steps', i, ...path, j),
            message: `needs "${need}", which is not a step of this plan`,
          });
        else if (need === step.id)
          errors.push({ path: at('steps', i, ...path, j), message: `step "${step.id}" cannot need itself` });
      });
    check(step.needs, 'needs');
    check(step.gate?.needs, 'gate', 'needs');
  });
}

/** Reports one dependency cycle, at the `needs` of its first step; returns it, or null. */
function cycleError({ plan, firstIndex, at, errors }: PhaseContext, nodes: readonly GraphNode[]): string[] | null {
  // Self-needs are reported above; leave out only that edge so longer cycles through the step still show.
  const cycle = findCycle(nodes.map((n) => ({ id: n.id, needs: n.needs.filter((x) => x !== n.id) })));
  if (cycle) {
    const index = firstIndex.get(cycle[0] as string) ?? 0;
    const first = plan.steps[index];
    const field = first?.needs?.includes(cycle[1] as string) || !first?.gate ? ['needs'] : ['gate', 'needs'];
    errors.push({ path: at('steps', index, ...field), message: `dependency cycle: ${cycle.join(' -> ')}` });
  }
  return cycle;
}

/** Reports gate checks on metrics that no upstream task of this plan declares. */
function checkErrors(
  { plan, firstIndex, at, errors }: PhaseContext,
  step: Step,
  i: number,
  upstream: ReadonlySet<string>,
): void {
  step.gate?.checks?.forEach((chk, j) => {
    const dot = chk.metric.indexOf('.');
    const stepId = chk.metric.slice(0, dot);
    const name = chk.metric.slice(dot + 1);
    const source = plan.steps[firstIndex.get(stepId) ?? -1];
    const path = at('steps', i, 'gate', 'checks', j, 'metric');
    if (!source) errors.push({ path, message: `metric "${chk.metric}": no step "${stepId}" in this plan` });
    else if (source.gate)
      errors.push({ path, message: `metric "${chk.metric}": "${stepId}" is a gate; metrics come from tasks` });
    else if (!source.metrics || !Object.hasOwn(source.metrics, name))
      errors.push({
        path,
        message: `metric "${chk.metric}": task "${stepId}" does not declare "${name}" in its metrics`,
      });
    else if (!upstream.has(stepId))
      errors.push({
        path,
        message: `metric "${chk.metric}": gate "${step.id}" does not depend on "${stepId}", so the metric may not exist yet`,
      });
  });
}

/** Reports repeated approvers and a quorum larger than the approvers listed. */
function approvalErrors({ at, errors }: PhaseContext, approval: Approval | undefined, i: number): void {
  if (!approval) return;
  const distinct = new Set<string>();
  approval.approvers.forEach((a, j) => {
    if (distinct.has(a))
      errors.push({
        path: at('steps', i, 'gate', 'approval', 'approvers', j),
        message: `duplicate approver "${a}"`,
      });
    distinct.add(a);
  });
  // Quorum counts distinct go voters, so compare with distinct names. A group can supply any
  // number of voters: with one listed, the check waits for the start (members known then).
  const hasGroup = approval.approvers.some((a) => groupOf(a) !== undefined);
  if (!hasGroup && (approval.quorum ?? 1) > distinct.size) {
    errors.push({
      path: at('steps', i, 'gate', 'approval', 'quorum'),
      message: `quorum ${approval.quorum} is larger than the ${distinct.size} approver(s) listed`,
    });
  }
}

/**
 * Validates a plan object (already parsed from YAML/JSON). Phases are the default kind; a plan with
 * `kind: program` is checked as a program, each inline phase as a phase. `knownPlanIds`, when
 * given, is used to check the plan ids a program names.
 */
export function validatePlan(input: unknown, knownPlanIds?: ReadonlySet<string>): PlanValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return {
      ok: false,
      errors: [{ path: '', message: 'a plan is an object with id and steps (or kind: program and phases)' }],
    };
  }
  if ((input as { kind?: unknown }).kind === 'program') {
    const parsed = ProgramPlanSchema.safeParse(input);
    if (!parsed.success)
      return { ok: false, errors: issuesToPlanProblems(parsed.error.issues, ProgramPlanSchema, input) };
    const errors = programErrors(parsed.data, knownPlanIds);
    return errors.length ? { ok: false, errors } : { ok: true, plan: parsed.data };
  }
  const parsed = PhasePlanSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: issuesToPlanProblems(parsed.error.issues, PhasePlanSchema, input) };
  const errors = phaseErrors(parsed.data);
  return errors.length ? { ok: false, errors } : { ok: true, plan: parsed.data };
}

function programErrors(program: ProgramPlan, knownPlanIds?: ReadonlySet<string>): PlanError[] {
  const errors: PlanError[] = [];
  program.phases.forEach((phase, i) => {
    if (typeof phase === 'string') {
      if (knownPlanIds && !knownPlanIds.has(phase))
        errors.push({ path: formatPath(['phases', i]), message: `no bundled plan "${phase}"` });
      if (phase === program.id)
        errors.push({ path: formatPath(['phases', i]), message: 'a program cannot contain itself' });
    } else {
      errors.push(...phaseErrors(phase, ['phases', i]));
    }
  });
  return errors;
}
