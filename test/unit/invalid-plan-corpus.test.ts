/**
 * A generated corpus of invalid plans: mutations of every bundled plan (cycles, missing references,
 * wrong types, huge values, deep nesting, unknown keys, duplicates, bad gates). Each must be rejected
 * with an error whose path names the mutated field, and validation must never throw.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validatePlan } from '../../workflows/plan/validate';

type Json = Record<string, unknown>;
interface Mutation {
  name: string;
  /** Mutates the plan in place; returns the path an error must start with (or null to skip). */
  apply(plan: Json, i: number): string | null;
  /** Optional: a message the error must match. */
  message?: RegExp;
}

const PLANS_DIR = join(__dirname, '..', '..', 'plans');
const plans = readdirSync(PLANS_DIR)
  .filter((f) => f !== 'schedules.yaml') // declares schedules, not a plan
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => parse(readFileSync(join(PLANS_DIR, f), 'utf8')) as Json)
  .filter((p) => p.kind !== 'program');
const steps = (p: Json) => p.steps as Json[];
const taskIndexes = (p: Json) => steps(p).flatMap((s, i) => (s.run ? [i] : []));
const gateIndexes = (p: Json) => steps(p).flatMap((s, i) => (s.gate ? [i] : []));
const nth = (list: number[], i: number) => list[i % Math.max(list.length, 1)];

function deep(levels: number): Json {
  let v: Json = { leaf: true };
  for (let i = 0; i < levels; i++) v = { nested: v };
  return v;
}

const mutations: Mutation[] = [
  {
    name: 'missing need',
    apply: (p, i) => (
      (steps(p)[i % steps(p).length]!.needs = ['ghost-step']),
      `steps[${i % steps(p).length}].needs[0]`
    ),
    message: /not a step/,
  },
  {
    name: 'cycle',
    message: /dependency cycle: /,
    apply: (p, i) => {
      const list = steps(p);
      const j = i % list.length;
      const dependent = list.findIndex((s) =>
        ((s.needs as string[] | undefined) ?? [])
          .concat(((s.gate as Json | undefined)?.needs as string[] | undefined) ?? [])
          .includes(list[j]!.id as string),
      );
      if (dependent < 0) return null;
      list[j]!.needs = [...((list[j]!.needs as string[] | undefined) ?? []), list[dependent]!.id as string];
      return 'steps[';
    },
  },
  {
    name: 'self need',
    apply: (p, i) => {
      const j = i % steps(p).length;
      steps(p)[j]!.needs = [steps(p)[j]!.id];
      return `steps[${j}].needs[0]`;
    },
    message: /cannot need itself/,
  },
  {
    name: 'duplicate id',
    apply: (p, i) => {
      const j = (i % (steps(p).length - 1)) + 1;
      steps(p)[j]!.id = steps(p)[0]!.id;
      return `steps[${j}].id`;
    },
    message: /duplicate step id/,
  },
  { name: 'unknown top-level key', apply: (p) => ((p.owner = 'me'), 'owner'), message: /unknown key/ },
  {
    name: 'unknown step key',
    apply: (p, i) => {
      const j = i % steps(p).length;
      steps(p)[j]!.dependsOn = ['x'];
      return `steps[${j}].dependsOn`;
    },
    message: /unknown key/,
  },
  {
    name: 'unknown executor key',
    apply: (p, i) => {
      const j = nth(taskIndexes(p), i)!;
      (steps(p)[j]!.run as Json).image = 'ubuntu';
      return `steps[${j}].run`;
    },
  },
  {
    name: 'timeout as number',
    apply: (p, i) => {
      const j = nth(taskIndexes(p), i)!;
      steps(p)[j]!.timeout = 42;
      return `steps[${j}].timeout`;
    },
  },
  {
    name: 'malformed duration',
    apply: (p, i) => {
      const j = nth(taskIndexes(p), i)!;
      steps(p)[j]!.timeout = '2 hours';
      return `steps[${j}].timeout`;
    },
    message: /malformed duration/,
  },
  {
    name: 'huge duration',
    apply: (p) => ((p.deadline = `${'9'.repeat(30)}d`), 'deadline'),
    message: /malformed duration/,
  },
  {
    name: 'attempts as string',
    apply: (p, i) => {
      const j = nth(taskIndexes(p), i)!;
      steps(p)[j]!.retry = { maximumAttempts: 'three' };
      return `steps[${j}].retry.maximumAttempts`;
    },
  },
  {
    name: 'huge attempts',
    apply: (p, i) => {
      const j = nth(taskIndexes(p), i)!;
      steps(p)[j]!.retry = { maximumAttempts: 1e9 };
      return `steps[${j}].retry.maximumAttempts`;
    },
  },
  { name: 'negative maxParallel', apply: (p) => ((p.maxParallel = -1), 'maxParallel') },
  { name: 'huge maxParallel', apply: (p) => ((p.maxParallel = 1e12), 'maxParallel') },
  {
    name: 'bad executor kind',
    apply: (p, i) => {
      const j = nth(taskIndexes(p), i)!;
      steps(p)[j]!.run = { kind: 'teleport' };
      return `steps[${j}].run.kind`;
    },
  },
  {
    name: 'agent as number',
    apply: (p, i) => {
      const j = nth(taskIndexes(p), i)!;
      steps(p)[j]!.agent = 7;
      return `steps[${j}].agent`;
    },
  },
  { name: 'bad plan id', apply: (p) => ((p.id = 'Phase Seven!'), 'id') },
  { name: 'huge title', apply: (p) => ((p.title = 'x'.repeat(10_000)), 'title') },
  { name: 'steps as object', apply: (p) => ((p.steps = { a: 1 }), 'steps') },
  { name: 'empty steps', apply: (p) => ((p.steps = []), 'steps') },
  {
    name: 'deep nesting in an unknown key',
    apply: (p, i) => {
      const j = i % steps(p).length;
      steps(p)[j]!.extra = deep(200);
      return `steps[${j}].extra`;
    },
    message: /unknown key/,
  },
  {
    name: 'step nested in a step',
    apply: (p, i) => {
      const j = i % steps(p).length;
      steps(p)[j]!.steps = [structuredClone(steps(p)[j])];
      return `steps[${j}].steps`;
    },
  },
  {
    name: 'gate and run together',
    apply: (p, i) => {
      const j = nth(gateIndexes(p), i);
      if (j === undefined) return null;
      steps(p)[j]!.run = { kind: 'simulate' };
      return `steps[${j}].run`;
    },
  },
  {
    name: 'quorum above approvers',
    message: /quorum/,
    apply: (p, i) => {
      const j = gateIndexes(p).find((g) => (steps(p)[g]!.gate as Json).approval) ?? nth(gateIndexes(p), i);
      if (j === undefined) return null;
      (steps(p)[j]!.gate as Json).approval = { approvers: ['a', 'b'], quorum: 3 };
      return `steps[${j}].gate.approval.quorum`;
    },
  },
  {
    name: 'check on an undeclared metric',
    message: /does not declare/,
    apply: (p, i) => {
      const g = nth(gateIndexes(p), i);
      const t = (steps(p)[g ?? -1]?.gate as Json | undefined)?.needs as string[] | undefined;
      const source = steps(p).find((s) => s.run && t?.includes(s.id as string));
      if (g === undefined || !source) return null;
      (steps(p)[g]!.gate as Json).checks = [{ metric: `${source.id as string}.no_such_metric`, op: '<', value: 1 }];
      return `steps[${g}].gate.checks[0].metric`;
    },
  },
  {
    name: 'bad check operator',
    apply: (p, i) => {
      const g = nth(gateIndexes(p), i);
      if (g === undefined) return null;
      (steps(p)[g]!.gate as Json).checks = [{ metric: 'a.b', op: '=~', value: 1 }];
      return `steps[${g}].gate.checks[0].op`;
    },
  },
  { name: 'bad startAt', apply: (p) => ((p.startAt = 'next tuesday'), 'startAt') },
  {
    name: 'bad metric regex',
    apply: (p, i) => {
      const j = nth(taskIndexes(p), i)!;
      steps(p)[j]!.metrics = { m: { regex: '([unclosed' } };
      return `steps[${j}].metrics.m.regex`;
    },
  },
  {
    name: 'shell without command',
    apply: (p, i) => {
      const j = nth(taskIndexes(p), i)!;
      steps(p)[j]!.run = { kind: 'shell', cwd: '.' };
      return `steps[${j}].run`;
    },
  },
  {
    name: 'http with a relative url',
    apply: (p, i) => {
      const j = nth(taskIndexes(p), i)!;
      steps(p)[j]!.run = { kind: 'http', url: '/release' };
      return `steps[${j}].run.url`;
    },
  },
];

describe('invalid plan corpus', () => {
  const cases: { label: string; plan: Json; path: string; message?: RegExp }[] = [];
  for (const base of plans) {
    for (const m of mutations) {
      for (const variant of [0, 1]) {
        const plan = structuredClone(base);
        const path = m.apply(plan, variant);
        if (path !== null)
          cases.push({
            label: `${base.id as string}: ${m.name} #${variant}`,
            plan,
            path,
            ...(m.message ? { message: m.message } : {}),
          });
      }
    }
  }

  it('has at least 200 generated invalid plans', () => {
    assert.ok(cases.length >= 200, `generated ${cases.length}`);
  });

  it('rejects every one with an error at the mutated field, never throwing', () => {
    for (const c of cases) {
      const result = validatePlan(c.plan);
      assert.equal(result.ok, false, `${c.label}: accepted`);
      if (result.ok) continue;
      const hit = result.errors.find((e) => e.path.startsWith(c.path) && (!c.message || c.message.test(e.message)));
      assert.ok(
        hit,
        `${c.label}: expected an error at ${c.path}${c.message ? ` matching ${c.message}` : ''}, got ${JSON.stringify(result.errors)}`,
      );
    }
  });
});
