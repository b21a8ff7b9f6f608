/**
 * Property-based tests of plan validation and the dependency graph (fast-check): random DAGs
 * validate and order correctly, closing a cycle is always caught and named truthfully, and no input
 * whatsoever makes `validatePlan` throw.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { validatePlan, type PlanValidation } from '../../workflows/plan/validate';
import { findCycle, topologicalOrder, upstreamOf } from '../../workflows/plan/graph';
import { stepNeeds } from '../../workflows/plan/resolve';

// describe()/it() return promises that node:test itself awaits; `void` says so to the linter.

interface TestStep {
  id: string;
  needs?: string[];
  run?: { kind: 'simulate' };
  gate?: { needs: string[] };
}

/**
 * A random DAG of 1–20 steps: step i needs only steps created before it (so no cycle is possible),
 * some steps are gates whose dependencies sit in `gate.needs`, and the steps are then declared in
 * a random order so that needs point both backwards and forwards in the file.
 */
const dagArb: fc.Arbitrary<TestStep[]> = fc
  .array(fc.record({ picks: fc.array(fc.nat(), { maxLength: 4 }), isGate: fc.boolean() }), {
    minLength: 1,
    maxLength: 20,
  })
  .map((specs) =>
    specs.map(({ picks, isGate }, i): TestStep => {
      const id = `s${i}`;
      const needs = i === 0 ? [] : [...new Set(picks.map((k) => `s${k % i}`))];
      if (isGate && needs.length > 0) return { id, gate: { needs } };
      return needs.length > 0 ? { id, needs, run: { kind: 'simulate' } } : { id, run: { kind: 'simulate' } };
    }),
  )
  .chain((steps) => fc.shuffledSubarray(steps, { minLength: steps.length, maxLength: steps.length }));

const graphOf = (steps: readonly TestStep[]) => steps.map((s) => ({ id: s.id, needs: stepNeeds(s) }));

/** A DAG plus one extra edge that closes a cycle: `from` (upstream of `to`) now also needs `to`. */
const cyclicArb = dagArb
  .filter((steps) => steps.some((s) => stepNeeds(s).length > 0))
  .chain((steps) => {
    const graph = graphOf(steps);
    const candidates = steps.filter((s) => stepNeeds(s).length > 0).map((s) => s.id);
    return fc
      .constantFrom(...candidates)
      .chain((to) => fc.constantFrom(...upstreamOf(graph, to)).map((from) => ({ steps, from, to })));
  })
  .map(({ steps, from, to }) => ({
    from,
    to,
    steps: steps.map((s) => (s.id === from ? { ...s, needs: [...(s.needs ?? []), to] } : s)),
  }));

function assertWellFormed(result: PlanValidation): void {
  if (result.ok) {
    assert.equal(typeof result.plan, 'object');
    return;
  }
  assert.ok(Array.isArray(result.errors) && result.errors.length > 0, 'a rejection carries at least one error');
  for (const e of result.errors) {
    assert.equal(typeof e.path, 'string');
    assert.equal(typeof e.message, 'string');
    assert.notEqual(e.message, '');
  }
}

void describe('plan properties: random DAGs', () => {
  void it('validate', () => {
    fc.assert(
      fc.property(dagArb, (steps) => {
        const result = validatePlan({ id: 'dag', steps });
        assert.equal(result.ok, true, result.ok ? '' : JSON.stringify(result.errors));
      }),
    );
  });

  void it('have no cycle and a topological order that lists every step after its needs', () => {
    fc.assert(
      fc.property(dagArb, (steps) => {
        const graph = graphOf(steps);
        assert.equal(findCycle(graph), null);
        const order = topologicalOrder(graph);
        assert.deepEqual([...order].sort(), steps.map((s) => s.id).sort());
        const position = new Map(order.map((id, i) => [id, i]));
        for (const node of graph) {
          for (const dep of node.needs)
            assert.ok((position.get(dep) as number) < (position.get(node.id) as number), `${dep} before ${node.id}`);
        }
      }),
    );
  });
});

void describe('plan properties: closing a cycle', () => {
  void it('is rejected with a dependency cycle error naming a real cycle of the graph', () => {
    fc.assert(
      fc.property(cyclicArb, ({ steps }) => {
        const result = validatePlan({ id: 'cyclic', steps });
        if (result.ok) assert.fail('a plan with a cycle validated');
        const cycles = result.errors.filter((e) => e.message.startsWith('dependency cycle: '));
        assert.equal(cycles.length, 1, JSON.stringify(result.errors));
        const { path, message } = cycles[0] as { path: string; message: string };
        const ids = message.slice('dependency cycle: '.length).split(' -> ');
        assert.ok(ids.length >= 3, `a cycle of two or more steps: ${message}`);
        assert.equal(ids[0], ids[ids.length - 1], `the cycle closes: ${message}`);
        assert.equal(new Set(ids.slice(0, -1)).size, ids.length - 1, `each step once: ${message}`);
        const byId = new Map(steps.map((s) => [s.id, s]));
        for (let i = 0; i + 1 < ids.length; i++) {
          const step = byId.get(ids[i] as string);
          assert.ok(step, `${ids[i]} is a step`);
          assert.ok(stepNeeds(step).includes(ids[i + 1] as string), `${ids[i]} needs ${ids[i + 1]} (${message})`);
        }
        const at = steps.findIndex((s) => s.id === ids[0]);
        assert.ok(
          [`steps[${at}].needs`, `steps[${at}].gate.needs`].includes(path),
          `the error points at the needs of ${ids[0]}: ${path}`,
        );
      }),
    );
  });
});

void describe('plan properties: arbitrary input', () => {
  void it('never makes validatePlan throw, for any JSON-like value', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        assertWellFormed(validatePlan(input));
      }),
      { numRuns: 500 },
    );
  });

  void it('never makes validatePlan throw, for any value including exotic objects', () => {
    const exotic = fc.anything({
      withBigInt: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
    });
    fc.assert(
      fc.property(exotic, (input) => {
        assertWellFormed(validatePlan(input));
      }),
      { numRuns: 300 },
    );
  });

  void it('never makes validatePlan throw for plan-shaped input with arbitrary parts', () => {
    const plan = fc.record(
      {
        id: fc.oneof(fc.constant('p'), fc.anything()),
        kind: fc.constantFrom('phase', 'program', 'other'),
        steps: fc.array(fc.anything()),
        phases: fc.array(fc.anything()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(plan, (input) => {
        assertWellFormed(validatePlan(input, new Set(['p', 'q'])));
      }),
      { numRuns: 300 },
    );
  });

  void it('never makes validatePlan throw for structurally valid steps with tangled references', () => {
    const ids = ['a', 'b', 'c', 'd'];
    const ref = fc.constantFrom(...ids, 'ghost');
    const step = fc
      .record(
        {
          id: fc.constantFrom(...ids),
          needs: fc.array(ref, { maxLength: 3 }),
          kind: fc.constantFrom('task', 'gate'),
          metric: fc.constantFrom('m', 'n', 'toString'),
          check: fc.tuple(ref, fc.constantFrom('m', 'n', 'toString')),
          quorum: fc.integer({ min: 1, max: 3 }),
        },
        { requiredKeys: ['id', 'needs', 'kind', 'metric', 'check', 'quorum'] },
      )
      .map(({ id, needs, kind, metric, check, quorum }) =>
        kind === 'task'
          ? { id, needs, run: { kind: 'simulate' }, metrics: { [metric]: {} } }
          : {
              id,
              gate: {
                needs,
                checks: [{ metric: `${check[0]}.${check[1]}`, op: '<', value: 1 }],
                approval: { approvers: ['x', 'y'], quorum },
              },
            },
      );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 8 }), (steps) => {
        assertWellFormed(validatePlan({ id: 'tangled', steps }));
        assertWellFormed(
          validatePlan({ id: 'prog', kind: 'program', phases: ['prog', { id: 'inline', steps }] }, new Set()),
        );
      }),
      { numRuns: 300 },
    );
  });
});
