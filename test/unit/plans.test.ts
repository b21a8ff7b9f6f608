/**
 * Plan loading (client/plans.ts): YAML/JSON parsing with positions, the plans folder catalog
 * (valid, invalid and duplicate files; programs naming phases in other files), and resolving a
 * program's phase ids into full phase plans.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BUNDLED_PLANS_DIR,
  loadPlanCatalog,
  parsePlanText,
  plansDir,
  readPlanFile,
  resolvePlan,
} from '../../client/plans';
import type { PhasePlan, ProgramPlan } from '../../workflows/plan/schema';

const PHASE_YAML = `
id: tiny
title: Tiny
steps:
  - id: a
    run: { kind: simulate, duration: 10ms }
  - id: b
    needs: [a]
    run: { kind: simulate }
`;

void describe('parsePlanText', () => {
  void test('parses YAML into a plan object; startAt stays a string (no implicit dates)', () => {
    const r = parsePlanText(`${PHASE_YAML}startAt: 2026-01-13T22:00:00Z\n`);
    assert.equal(r.ok, true);
    if (!r.ok) return;
    const v = r.value as { id: string; startAt: unknown; steps: unknown[] };
    assert.equal(v.id, 'tiny');
    assert.equal(v.steps.length, 2);
    assert.equal(typeof v.startAt, 'string');
  });

  void test('parses JSON text and reports malformed .json files with the JSON error', () => {
    assert.deepEqual(parsePlanText('{"id":"x","steps":[]}'), { ok: true, value: { id: 'x', steps: [] } });
    const bad = parsePlanText('{"id": "x",', 'plan.json');
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.match(bad.errors[0]?.message ?? '', /malformed JSON/);
  });

  void test('reports YAML syntax errors with line and column', () => {
    const r = parsePlanText('id: x\nsteps:\n  - id: a\n   run: [\n');
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.errors[0]?.message ?? '', /malformed YAML at line \d+, column \d+/);
  });

  void test('rejects duplicate keys instead of silently keeping the last', () => {
    const r = parsePlanText('id: x\nid: y\nsteps: []\n');
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.errors[0]?.message ?? '', /unique|duplicate/i);
  });

  void test('stops alias bombs', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++)
      lines.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(', ')}]`,
      );
    const r = parsePlanText(lines.join('\n'));
    assert.equal(r.ok, false);
  });
});

void describe('plan catalog', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'phasegate-plans-'));
    writeFileSync(join(dir, 'a-program.yaml'), 'id: prog\nkind: program\nphases: [tiny, other]\n');
    writeFileSync(join(dir, 'tiny.yaml'), PHASE_YAML);
    writeFileSync(
      join(dir, 'other.json'),
      JSON.stringify({ id: 'other', steps: [{ id: 'x', run: { kind: 'simulate' } }] }),
    );
    writeFileSync(join(dir, 'dup.yml'), PHASE_YAML);
    writeFileSync(
      join(dir, 'broken.yaml'),
      'id: broken\nsteps:\n  - id: a\n    needs: [zz]\n    run: { kind: simulate }\n',
    );
    writeFileSync(join(dir, 'README.md'), '# not a plan');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  void test('loads valid plans, reports invalid and duplicate files, ignores other files', async () => {
    const catalog = await loadPlanCatalog(dir);
    assert.deepEqual([...catalog.plans.keys()].sort(), ['other', 'prog', 'tiny']);
    const problems = new Map(catalog.problems.map((p) => [p.file.split('/').pop(), p.errors]));
    // Files are read in name order, so dup.yml claims "tiny" first and tiny.yaml is the duplicate.
    assert.deepEqual([...problems.keys()].sort(), ['broken.yaml', 'tiny.yaml']);
    assert.ok(
      problems.get('broken.yaml')?.some((e) => e.path === 'steps[0].needs[0]'),
      'the broken file names the bad path',
    );
    assert.match(problems.get('tiny.yaml')?.[0]?.message ?? '', /duplicate plan id "tiny"/);
  });

  void test('a missing folder is an empty catalog', async () => {
    const catalog = await loadPlanCatalog(join(dir, 'nope'));
    assert.equal(catalog.plans.size, 0);
    assert.equal(catalog.problems.length, 0);
  });

  void test("resolvePlan replaces a program's phase ids with the bundled phase plans", async () => {
    const catalog = await loadPlanCatalog(dir);
    const prog = catalog.plans.get('prog') as ProgramPlan;
    const resolved = resolvePlan(prog, catalog);
    assert.equal(resolved.ok, true);
    if (!resolved.ok || resolved.plan.kind !== 'program') return;
    assert.deepEqual(
      resolved.plan.phases.map((p) => p.id),
      ['tiny', 'other'],
    );
    assert.equal(resolved.plan.phases[0]?.steps.length, 2);
  });

  void test('resolvePlan names unknown ids and programs nested in programs', async () => {
    const catalog = await loadPlanCatalog(dir);
    const inline: PhasePlan = { id: 'inline', steps: [{ id: 's', run: { kind: 'simulate' } }] };
    const r = resolvePlan({ id: 'p2', kind: 'program', phases: [inline, 'ghost', 'prog'] }, catalog);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.deepEqual(r.unknownIds, ['ghost']);
    assert.deepEqual(
      r.errors.map((e) => e.path),
      ['phases[1]', 'phases[2]'],
    );
    assert.match(r.errors[1]?.message ?? '', /is a program/);
  });

  void test('a phase resolves to itself', () => {
    const plan: PhasePlan = { id: 'solo', steps: [{ id: 's', run: { kind: 'simulate' } }] };
    assert.deepEqual(resolvePlan(plan, { plans: new Map() }), { ok: true, plan });
  });

  void test('readPlanFile validates, checks program phase ids when told the known ids, and reports unreadable files', async () => {
    const ok = await readPlanFile(join(dir, 'tiny.yaml'));
    assert.equal(ok.ok, true);
    const prog = await readPlanFile(join(dir, 'a-program.yaml'), new Set(['tiny']));
    assert.equal(prog.ok, false);
    if (!prog.ok) assert.deepEqual(prog.errors, [{ path: 'phases[1]', message: 'no bundled plan "other"' }]);
    const missing = await readPlanFile(join(dir, 'missing.yaml'));
    assert.equal(missing.ok, false);
    if (!missing.ok) assert.match(missing.errors[0]?.message ?? '', /cannot read .*ENOENT/);
  });
});

void describe('plans folder', () => {
  void test('PHASEGATE_PLANS_DIR overrides the bundled folder', () => {
    assert.equal(plansDir({}), BUNDLED_PLANS_DIR);
    assert.equal(plansDir({ PHASEGATE_PLANS_DIR: '/tmp/x' }), '/tmp/x');
  });

  void test('the bundled plans all load, and every program resolves', async () => {
    const catalog = await loadPlanCatalog(BUNDLED_PLANS_DIR);
    assert.deepEqual(catalog.problems, []);
    assert.ok(catalog.plans.size > 0);
    for (const plan of catalog.plans.values()) {
      const r = resolvePlan(plan, catalog);
      assert.equal(r.ok, true, `${plan.id} resolves`);
    }
  });
});
