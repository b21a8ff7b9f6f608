/** Dependency graph helpers: cycle detection, transitive upstream, topological order. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findCycle, topologicalOrder, upstreamOf, type GraphNode } from '../../workflows/plan/graph';
import { stepNeeds } from '../../workflows/plan/resolve';

// describe()/it() return promises that node:test itself awaits; `void` says so to the linter.

const n = (id: string, ...needs: string[]): GraphNode => ({ id, needs });

/** `order` lists every node once and each node after everything it needs. */
function assertRespectsNeeds(nodes: readonly GraphNode[], order: readonly string[]): void {
  assert.deepEqual([...order].sort(), nodes.map((x) => x.id).sort());
  const position = new Map(order.map((id, i) => [id, i]));
  for (const node of nodes) {
    for (const dep of node.needs)
      assert.ok(
        (position.get(dep) as number) < (position.get(node.id) as number),
        `${dep} must come before ${node.id}`,
      );
  }
}

void describe('findCycle', () => {
  void it('returns null for an empty graph and for independent nodes', () => {
    assert.equal(findCycle([]), null);
    assert.equal(findCycle([n('a'), n('b')]), null);
  });

  void it('returns null for a diamond', () => {
    assert.equal(findCycle([n('a'), n('b', 'a'), n('c', 'a'), n('d', 'b', 'c')]), null);
  });

  void it('returns a two-node cycle with its first id repeated at the end', () => {
    assert.deepEqual(findCycle([n('a', 'b'), n('b', 'a')]), ['a', 'b', 'a']);
  });

  void it('returns a three-node cycle along its edges', () => {
    assert.deepEqual(findCycle([n('a', 'c'), n('b', 'a'), n('c', 'b')]), ['a', 'c', 'b', 'a']);
  });

  void it('returns only the cycle, not the path that led into it', () => {
    assert.deepEqual(findCycle([n('entry', 'x'), n('x', 'y'), n('y', 'x')]), ['x', 'y', 'x']);
  });

  void it('finds a self-loop', () => {
    assert.deepEqual(findCycle([n('a', 'a')]), ['a', 'a']);
  });

  void it('ignores needs naming unknown ids', () => {
    assert.equal(findCycle([n('a', 'ghost'), n('b', 'a', 'ghost')]), null);
  });

  void it('is deterministic: visits nodes in the given order', () => {
    const nodes = [n('p', 'q'), n('q', 'p'), n('r', 's'), n('s', 'r')];
    assert.deepEqual(findCycle(nodes), ['p', 'q', 'p']);
    assert.deepEqual(findCycle([...nodes].reverse()), ['s', 'r', 's']);
  });
});

void describe('upstreamOf', () => {
  const nodes = [n('a'), n('b', 'a'), n('c', 'b'), n('d', 'c', 'x'), n('x'), n('unrelated')];

  void it('is transitive', () => {
    assert.deepEqual([...upstreamOf(nodes, 'd')].sort(), ['a', 'b', 'c', 'x']);
  });

  void it('does not include the node itself or its dependents', () => {
    const up = upstreamOf(nodes, 'b');
    assert.deepEqual([...up], ['a']);
    assert.equal(up.has('b'), false);
    assert.equal(up.has('c'), false);
  });

  void it('is empty for a root and for an unknown id', () => {
    assert.equal(upstreamOf(nodes, 'a').size, 0);
    assert.equal(upstreamOf(nodes, 'ghost').size, 0);
  });

  void it('terminates on cycles', () => {
    assert.deepEqual([...upstreamOf([n('a', 'b'), n('b', 'a')], 'a')].sort(), ['a', 'b']);
  });

  void it('includes the gate.needs of gates when built with stepNeeds', () => {
    const steps = [{ id: 'build' }, { id: 'g', gate: { needs: ['build'] } }, { id: 'ship', needs: ['g'] }];
    const graph = steps.map((s) => ({ id: s.id, needs: stepNeeds(s) }));
    assert.deepEqual([...upstreamOf(graph, 'ship')].sort(), ['build', 'g']);
  });
});

void describe('topologicalOrder', () => {
  void it('keeps declaration order when nothing depends on anything', () => {
    assert.deepEqual(topologicalOrder([n('c'), n('a'), n('b')]), ['c', 'a', 'b']);
  });

  void it('puts a node after everything it needs, even when declared first', () => {
    const nodes = [n('deploy', 'build'), n('build', 'fetch'), n('fetch')];
    assert.deepEqual(topologicalOrder(nodes), ['fetch', 'build', 'deploy']);
  });

  void it('breaks ties by declaration order', () => {
    const nodes = [n('root'), n('z', 'root'), n('y', 'root'), n('x', 'root')];
    assert.deepEqual(topologicalOrder(nodes), ['root', 'z', 'y', 'x']);
  });

  void it('orders a diamond', () => {
    const nodes = [n('d', 'b', 'c'), n('c', 'a'), n('b', 'a'), n('a')];
    const order = topologicalOrder(nodes);
    assert.deepEqual(order, ['a', 'c', 'b', 'd']);
    assertRespectsNeeds(nodes, order);
  });

  void it('ignores needs naming unknown ids', () => {
    assert.deepEqual(topologicalOrder([n('a', 'ghost'), n('b', 'a')]), ['a', 'b']);
  });

  void it('copes with a need listed twice', () => {
    assert.deepEqual(topologicalOrder([n('b', 'a', 'a'), n('a')]), ['a', 'b']);
  });

  void it('throws on a cycle', () => {
    assert.throws(() => topologicalOrder([n('a'), n('b', 'c'), n('c', 'b')]), { message: 'dependency cycle' });
  });
});
