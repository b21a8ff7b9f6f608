/**
 * The layering ARCHITECTURE.md describes, as the build sees it: no import cycles among the product
 * modules (type-only imports count too: a cycle of types is still two modules that cannot be
 * understood apart). Per-folder import rules are ESLint's (`eslint.config.mjs`); this checks what a
 * lint rule cannot: the whole graph.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

// describe()/it() return promises that node:test itself awaits; `void` says so to the linter.

const ROOT = resolve(__dirname, '..', '..');
const PRODUCT = ['workflows', 'activities', 'workers', 'client', 'config', 'scripts'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : tsFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The product file a relative specifier names (`./x` → x.ts or x/index.ts), or undefined for packages. */
function resolveSpecifier(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec);
  return [`${base}.ts`, join(base, 'index.ts'), base].find((p) => existsSync(p) && statSync(p).isFile());
}

/** Every module `file` imports or re-exports from, type-only ones included. */
export function importsOf(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false);
  const out: string[] = [];
  const visit = (node: ts.Node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const target = resolveSpecifier(file, node.moduleSpecifier.text);
      if (target) out.push(target);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      const target = resolveSpecifier(file, node.argument.literal.text);
      if (target) out.push(target);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** Strongly connected components of more than one module (Tarjan), each as repo-relative paths. */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const state = new Map<string, { index: number; low: number; onStack: boolean }>();
  const found: string[][] = [];
  const connect = (v: string) => {
    const s = { index, low: index, onStack: true };
    index++;
    state.set(v, s);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      const t = state.get(w);
      if (!t) {
        connect(w);
        s.low = Math.min(s.low, (state.get(w) as { low: number }).low);
      } else if (t.onStack) s.low = Math.min(s.low, t.index);
    }
    if (s.low !== s.index) return;
    const component: string[] = [];
    for (;;) {
      const w = stack.pop() as string;
      (state.get(w) as { onStack: boolean }).onStack = false;
      component.push(relative(ROOT, w));
      if (w === v) break;
    }
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!state.has(v)) connect(v);
  return found;
}

void describe('import graph', () => {
  const files = PRODUCT.flatMap((d) => tsFiles(join(ROOT, d)));
  const graph = new Map(files.map((f) => [f, importsOf(f)]));

  it('reads the product modules and their imports', () => {
    assert.ok(files.length > 50, `found ${files.length} files`);
    assert.ok(
      (graph.get(join(ROOT, 'workflows', 'index.ts')) ?? []).some((f) => f.endsWith(join('phase', 'workflow.ts'))),
    );
  });

  it('has no import cycles among product modules (type-only imports included)', () => {
    assert.deepEqual(cycles(graph), []);
  });

  it('finds a cycle when there is one (the check itself works)', () => {
    assert.deepEqual(
      cycles(
        new Map([
          ['/a', ['/b']],
          ['/b', ['/c']],
          ['/c', ['/a']],
          ['/d', ['/a']],
        ]),
      ).map((c) => c.length),
      [3],
    );
  });
});
