/**
 * Size limits of the product code (issue #16): no file in `workflows/`, `activities/` or `client/`
 * over 300 lines (stylesheets and browser scripts included) and no function there over 60 lines
 * (first to last line, as ESLint's `max-lines-per-function` counts without skipping). A file or a
 * function past them has more than one job: split it by role rather than raise the limit.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(__dirname, '..', '..');
const FOLDERS = ['workflows', 'activities', 'client'];
const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 60;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : filesUnder(path);
    return [path];
  });
}

const files = FOLDERS.flatMap((f) => filesUnder(join(ROOT, f)));
const lineCount = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

/** `file:line name (n lines)` of each function in `file` longer than the limit. */
function longFunctions(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = node.name?.getText(source) ?? '(anonymous)';
      if (last - first + 1 > MAX_FUNCTION_LINES)
        out.push(`${relative(ROOT, file)}:${first + 1} ${name} (${last - first + 1} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

void describe('code size', () => {
  void it(`keeps every file of ${FOLDERS.join(', ')} at ${MAX_FILE_LINES} lines or fewer`, () => {
    assert.ok(files.length > 100, `found only ${files.length} files`);
    const long = files
      .map((f) => ({ f: relative(ROOT, f), n: lineCount(readFileSync(f, 'utf8')) }))
      .filter(({ n }) => n > MAX_FILE_LINES)
      .map(({ f, n }) => `${f} (${n} lines)`);
    assert.deepEqual(long, []);
  });

  void it(`keeps every function there at ${MAX_FUNCTION_LINES} lines or fewer`, () => {
    const code = files.filter((f) => /\.(ts|js|mjs)$/.test(f) && !f.endsWith('.d.ts'));
    assert.deepEqual(code.flatMap(longFunctions), []);
  });

  void it('counts a function from its first to its last line: 60 pass, 61 fail', () => {
    const dir = mkdtempSync(join(tmpdir(), 'code-size-'));
    const probe = (lines: number) => {
      const body = Array.from({ length: lines - 3 }, (_, i) => `  const v${i} = ${i};`).join('\n');
      const file = join(dir, `probe-${lines}.ts`);
      writeFileSync(file, `function probe() {\n${body}\n  return 0;\n}\n`);
      return longFunctions(file).map((line) => line.replace(/^.*:/, ''));
    };
    try {
      assert.deepEqual(probe(MAX_FUNCTION_LINES), []);
      assert.deepEqual(probe(MAX_FUNCTION_LINES + 1), [`1 probe (${MAX_FUNCTION_LINES + 1} lines)`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
