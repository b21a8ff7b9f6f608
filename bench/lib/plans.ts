/**
 * The plans the benchmark runs, built in code and checked with the real validator, so a bench
 * never measures a plan the API would have refused.
 */
import type { PhasePlan, Step } from '../../workflows/plan/schema';
import { validatePlan } from '../../workflows/plan/validate';
import type { BaselineNode } from '../workflows/baseline';

/** Layer widths of the 20-step DAG: depth 6, fan-out then fan-in. */
const DAG_LAYERS = [1, 4, 5, 5, 4, 1];

/**
 * The 20-node DAG shared by both sides of the overhead bench. Each node needs up to two nodes of
 * the previous layer, so every layer waits on real joins, not just a chain.
 */
export function dagNodes(): BaselineNode[] {
  const nodes: BaselineNode[] = [];
  let prev: string[] = [];
  DAG_LAYERS.forEach((width, layer) => {
    const ids: string[] = [];
    for (let i = 0; i < width; i++) {
      const id = `l${layer}-n${i}`;
      const needs =
        prev.length === 0 ? [] : [...new Set([prev[i % prev.length] as string, prev[(i + 1) % prev.length] as string])];
      nodes.push({ id, needs });
      ids.push(id);
    }
    prev = ids;
  });
  return nodes;
}

/** Throws with every problem when `plan` does not validate; returns the parsed plan otherwise. */
export function checked(plan: PhasePlan): PhasePlan {
  const result = validatePlan(plan);
  if (!result.ok) throw new Error(`bench plan ${plan.id} is invalid: ${JSON.stringify(result.errors)}`);
  return result.plan as PhasePlan;
}

const instant = { kind: 'simulate' } as const;

/** The overhead DAG as a phase plan: the same nodes, each an instant `simulate` task. */
export function dagPlan(): PhasePlan {
  const steps: Step[] = dagNodes().map((n) => ({
    id: n.id,
    run: { ...instant },
    ...(n.needs.length ? { needs: n.needs } : {}),
  }));
  return checked({ id: 'bench-dag', title: 'Bench: 20-step DAG of instant tasks', steps });
}

/** `prep → approve (gate, approver "a") → next`: the decision-latency plan. */
export function decisionPlan(): PhasePlan {
  return checked({
    id: 'bench-decision',
    title: 'Bench: decision latency',
    steps: [
      { id: 'prep', run: { ...instant } },
      { id: 'approve', gate: { needs: ['prep'], approval: { approvers: ['a'], quorum: 1 } } },
      { id: 'next', needs: ['approve'], run: { ...instant } },
    ],
  });
}

/** One instant task, then a gate that waits for approver "a": runs of it park at the gate. */
export function parkedPlan(): PhasePlan {
  return checked({
    id: 'bench-parked',
    title: 'Bench: parked at a gate',
    steps: [
      { id: 'prep', run: { ...instant } },
      { id: 'approve', gate: { needs: ['prep'], approval: { approvers: ['a'], quorum: 1 } } },
    ],
  });
}

/** A one-step plan used to measure how fast runs can be started. */
export function startPlan(): PhasePlan {
  return checked({ id: 'bench-start', title: 'Bench: start rate', steps: [{ id: 'only', run: { ...instant } }] });
}

/** `chains` parallel chains of `length` instant tasks each (2,000 steps by default). */
export function bigPlan(chains = 20, length = 100, maxParallel?: number): PhasePlan {
  const steps: Step[] = [];
  for (let c = 0; c < chains; c++) {
    for (let i = 0; i < length; i++) {
      steps.push({ id: `c${c}-s${i}`, run: { ...instant }, ...(i > 0 ? { needs: [`c${c}-s${i - 1}`] } : {}) });
    }
  }
  return checked({
    id: 'bench-big',
    title: `Bench: ${chains * length}-step plan`,
    ...(maxParallel ? { maxParallel } : {}),
    steps,
  });
}
