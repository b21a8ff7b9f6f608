/**
 * Plan validation speaks to people: "did you mean" for unknown keys and kinds, a misspelt kind
 * does not hide the other problems of its block, plain wording instead of the schema library's,
 * and a markdown document is one clear error rather than a screenful of YAML errors.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePlanText } from '../../client/plans';
import { closest, editDistance } from '../../workflows/plan/hints';
import { validatePlan, type PlanError } from '../../workflows/plan/validate';

function errorsOf(plan: unknown): PlanError[] {
  const r = validatePlan(plan);
  assert.equal(r.ok, false);
  return r.ok ? [] : r.errors;
}

const message = (errors: PlanError[], path: string) => errors.find((e) => e.path === path)?.message;

describe('plan problems people can act on', () => {
  it('suggests the allowed key for metric, titel, maxParalel and dependsOn', () => {
    const errors = errorsOf({
      id: 'p',
      titel: 'T',
      maxParalel: 2,
      steps: [{ id: 's', dependsOn: [], metric: {}, run: { kind: 'simulate' } }],
    });
    assert.equal(message(errors, 'titel'), 'unknown key "titel": did you mean "title"?');
    assert.equal(message(errors, 'maxParalel'), 'unknown key "maxParalel": did you mean "maxParallel"?');
    assert.equal(message(errors, 'steps[0].dependsOn'), 'unknown key "dependsOn": did you mean "needs"?');
    assert.equal(message(errors, 'steps[0].metric'), 'unknown key "metric": did you mean "metrics"?');
  });

  it('kind: simulat names the guess and still reports the other typo in the same block', () => {
    const errors = errorsOf({ id: 'p', steps: [{ id: 's', run: { kind: 'simulat', duraton: '1s' } }] });
    assert.equal(
      message(errors, 'steps[0].run.kind'),
      'unknown kind "simulat": did you mean "simulate"? (one of shell, http, agent, simulate)',
    );
    assert.equal(message(errors, 'steps[0].run.duraton'), 'unknown key "duraton": did you mean "duration"?');
  });

  it("uses plain wording, not the library's", () => {
    assert.equal(message(errorsOf({ id: 'p' }), 'steps'), 'steps is required (a list)');
    assert.equal(
      message(errorsOf({ id: 'p', steps: [] }), 'steps'),
      'steps must not be empty: it needs at least one item',
    );
    const typed = errorsOf({ id: 'p', steps: [{ id: 's', run: { kind: 'simulate', duration: 5 } }] });
    assert.equal(message(typed, 'steps[0].run.duration'), 'duration must be text, not the number 5');
    const enumErr = errorsOf({ id: 'p', steps: [{ id: 's', run: { kind: 'simulate' }, onFailure: 'hodl' }] });
    assert.match(message(enumErr, 'steps[0].onFailure') ?? '', /unknown onFailure "hodl": did you mean "hold"\?/);
    for (const e of [...typed, ...enumErr])
      assert.doesNotMatch(e.message, /Invalid (input|discriminator)|Too small|expected array/);
  });

  it('a program\'s inline phase reports the phase\'s own problems, not "Invalid input"', () => {
    const errors = errorsOf({ id: 'prog', kind: 'program', phases: [{ id: 'p', stepz: [] }] });
    assert.equal(message(errors, 'phases[0].stepz'), 'unknown key "stepz": did you mean "steps"?');
    assert.ok(errors.every((e) => e.message !== 'Invalid input'));
  });

  it('a markdown document is one clear error', () => {
    const md = '# Phase 3 activation\n\n## Goals\n- ship it: now\n\n| week | task |\n|---|---|\n| 1 | build |\n';
    for (const name of ['PHASE3.md', 'phase3.yaml']) {
      const r = parsePlanText(md, name);
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.equal(r.errors.length, 1, JSON.stringify(r.errors));
        assert.match(
          r.errors[0]?.message ?? '',
          /^not a YAML\/JSON plan: this is a markdown document \("Phase 3 activation"\)/,
        );
      }
    }
  });

  it('edit distance counts a swap of neighbours as one edit; far words get no guess', () => {
    assert.equal(editDistance('titel', 'title'), 1);
    assert.equal(closest('zzz', ['needs', 'title']), undefined);
  });
});
