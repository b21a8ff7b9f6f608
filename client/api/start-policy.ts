/**
 * Plans are code (SPEC §8): who may start a plan that is not bundled, which executor kinds a plan
 * may use, and the `source` a run records (bundled or inline, with the sha256 of its canonical JSON)
 * so an inline plan cannot pose as a bundled one of the same id.
 */
import { createHash } from 'node:crypto';
import type { Executor } from '../../workflows/plan/schema';
import type { RunnablePlan } from '../runs';
import { ApiError } from './api-error';
import type { Principal } from './auth';
import type { AppDeps } from './deps';

/** Which definition a run runs: a bundled plan file, or a plan sent with the request. */
export interface RunSource {
  kind: 'bundled' | 'inline';
  /** SHA-256 (hex) of the canonical JSON of the plan as run (keys sorted, phases resolved). */
  sha256: string;
}

/** JSON with object keys sorted at every level: the same plan always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Hashes of plan objects already hashed. A bundled plan is the same (never mutated) catalog object
 * on every start, so its canonical JSON and sha256 are computed once, not per start (≈ 1.4 % of the
 * API's CPU in a start burst); an inline plan is a new object each request and is hashed each time.
 */
const hashes = new WeakMap<object, string>();

/** The source of a run of `plan`; `requested` is the body's `plan` (an id means bundled). */
export function runSource(requested: unknown, plan: RunnablePlan): RunSource {
  let sha256 = hashes.get(plan);
  if (sha256 === undefined) {
    sha256 = createHash('sha256').update(canonicalJson(plan)).digest('hex');
    hashes.set(plan, sha256);
  }
  return { kind: typeof requested === 'string' ? 'bundled' : 'inline', sha256 };
}

/**
 * True when the requested plan brings its own tasks: an inline phase plan, or an inline program
 * with at least one inline phase (a program object that only lists bundled phase ids does not).
 */
export function carriesInlineCode(requested: unknown): boolean {
  if (typeof requested !== 'object' || requested === null) return false;
  const r = requested as { kind?: unknown; phases?: unknown };
  if (r.kind !== 'program') return true;
  return !Array.isArray(r.phases) || r.phases.some((p) => typeof p !== 'string');
}

/**
 * Throws 403 unless `principal` may start a plan that is not bundled under `PHASEGATE_INLINE_PLANS`:
 * `off` refuses everyone; with tokens, `authors` needs the `author` role and `operators` also lets
 * operators; without tokens (loopback only) inline plans are allowed.
 */
export function requireInlineAllowed(deps: Pick<AppDeps, 'inlinePlans'>, principal: Principal | undefined): void {
  if (deps.inlinePlans === 'off') {
    throw new ApiError(
      403,
      'inline plans are turned off on this server (PHASEGATE_INLINE_PLANS=off): start a bundled plan by its id',
      [{ path: 'plan', message: 'inline plans are off' }],
    );
  }
  if (!principal || principal.roles.has('author')) return;
  if (deps.inlinePlans === 'operators' && principal.roles.has('operator')) return;
  const who = deps.inlinePlans === 'operators' ? 'the author or operator role' : 'the author role';
  throw new ApiError(
    403,
    `forbidden: starting a plan that is not bundled needs ${who} (plans are code: their shell tasks run on the worker); "${principal.identity}" has ${[...principal.roles].join(', ')}`,
    [{ path: 'plan', message: 'inline plans need the author role' }],
  );
}

/** Every executor of a plan with its path (`steps[2].rollback`, `phases[1].steps[0].run`). */
export function executorsOf(plan: RunnablePlan): { path: string; executor: Executor }[] {
  const out: { path: string; executor: Executor }[] = [];
  const phases =
    plan.kind === 'program'
      ? plan.phases.map((p, i) => ({ prefix: `phases[${i}].`, phase: p }))
      : [{ prefix: '', phase: plan }];
  for (const { prefix, phase } of phases) {
    phase.steps.forEach((s, i) => {
      if (s.run) out.push({ path: `${prefix}steps[${i}].run`, executor: s.run });
      if (s.rollback) out.push({ path: `${prefix}steps[${i}].rollback`, executor: s.rollback });
    });
  }
  return out;
}

/** Throws 400 naming each executor whose kind is not in `PHASEGATE_EXECUTORS`. */
export function requireExecutorsAllowed(deps: Pick<AppDeps, 'executors'>, plan: RunnablePlan): void {
  const refused = executorsOf(plan).filter((e) => !deps.executors.has(e.executor.kind));
  if (refused.length === 0) return;
  const allowed = [...deps.executors].join(', ') || 'none';
  const details = refused.map((e) => ({
    path: `plan.${e.path}.kind`,
    message: `executor kind "${e.executor.kind}" is not enabled on this server (PHASEGATE_EXECUTORS: ${allowed})`,
  }));
  throw new ApiError(
    400,
    `invalid plan: ${details[0]?.path}: ${details[0]?.message}${details.length > 1 ? ` (and ${details.length - 1} more)` : ''}`,
    details,
  );
}
