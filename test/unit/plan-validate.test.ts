/**
 * `validatePlan` (SPEC §2): structure, whole-plan rules, programs. Every rejection is asserted with
 * its exact path and message, since editors, the CLI and the API show them to users as they are.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatPath, validatePlan, type PlanError } from '../../workflows/plan/validate';
import { PhasePlanSchema, ProgramPlanSchema, StepSchema, type Plan } from '../../workflows/plan/schema';
import { specExample } from '../helpers/spec-examples';

/** The keys the schema allows, as unknown-key messages list them (the plan format grows). */
const PHASE_KEYS = Object.keys(PhasePlanSchema.shape).join(', ');
const STEP_KEYS = Object.keys(StepSchema.shape).join(', ');
const PROGRAM_KEYS = Object.keys(ProgramPlanSchema.shape).join(', ');

// describe()/it() return promises that node:test itself awaits; `void` says so to the linter.

const DURATION_MESSAGE = 'malformed duration: use a number and a unit, e.g. 500ms, 30s, 15m, 6h, 2d';
const RUN_OR_GATE = 'a step has exactly one of run (a task) or gate';
const COMMAND_OR_SCRIPT = 'shell needs exactly one of command (argv array) or script';

type Obj = Record<string, unknown>;
const task = (id: string, extra: Obj = {}): Obj => ({ id, run: { kind: 'simulate' }, ...extra });
const gate = (id: string, body: Obj, extra: Obj = {}): Obj => ({ id, gate: body, ...extra });
const phase = (steps: Obj[], extra: Obj = {}): Obj => ({ id: 'p', steps, ...extra });

/** The errors of a plan that must be rejected. */
function errorsOf(input: unknown, knownPlanIds?: ReadonlySet<string>): PlanError[] {
  const result = validatePlan(input, knownPlanIds);
  if (result.ok) assert.fail(`expected the plan to be rejected, but it validated: ${JSON.stringify(input)}`);
  return result.errors;
}

/** The parsed plan of a plan that must validate. */
function validPlan(input: unknown, knownPlanIds?: ReadonlySet<string>): Plan {
  const result = validatePlan(input, knownPlanIds);
  if (!result.ok)
    assert.fail(`expected a valid plan, got:\n${result.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}`);
  return result.plan;
}

void describe('formatPath', () => {
  void it('writes keys with dots and indexes in brackets', () => {
    assert.equal(formatPath(['steps', 2, 'needs', 0]), 'steps[2].needs[0]');
    assert.equal(
      formatPath(['phases', 1, 'steps', 0, 'gate', 'checks', 3, 'metric']),
      'phases[1].steps[0].gate.checks[3].metric',
    );
  });

  void it('is empty for the whole plan', () => {
    assert.equal(formatPath([]), '');
  });
});

void describe('validatePlan: the SPEC §2 example', () => {
  void it('passes once code-quality declares the metrics its gate checks', () => {
    const example = specExample();
    const steps = example.steps as Obj[];
    (steps[1] as Obj).metrics = { clippy_warnings: {}, tests_passed_ratio: {} };
    const plan = validPlan(example);
    assert.equal(plan.id, 'phase-7-release');
    assert.equal(plan.kind === 'program' ? 0 : plan.steps.length, 4);
  });

  void it('as printed, is rejected because code-quality does not declare the metrics its gate checks', () => {
    // SPEC §2 requires "every metric a check reads is declared in its task's metrics:", which the
    // example itself omits for code-quality (an agent task reporting them itself would use `{}`).
    assert.deepEqual(errorsOf(specExample()), [
      {
        path: 'steps[3].gate.checks[0].metric',
        message:
          'metric "code-quality.clippy_warnings": task "code-quality" does not declare "clippy_warnings" in its metrics',
      },
      {
        path: 'steps[3].gate.checks[1].metric',
        message:
          'metric "code-quality.tests_passed_ratio": task "code-quality" does not declare "tests_passed_ratio" in its metrics',
      },
    ]);
  });

  void it('returns the parsed plan unchanged for a minimal task', () => {
    assert.deepEqual(validPlan(phase([task('a')])), { id: 'p', steps: [{ id: 'a', run: { kind: 'simulate' } }] });
  });
});

void describe('validatePlan: input that is not a plan object', () => {
  for (const [name, input] of [
    ['null', null],
    ['an array', [task('a')]],
    ['a string', 'id: p'],
    ['a number', 42],
  ] as const) {
    void it(`rejects ${name} with one whole-plan error`, () => {
      assert.deepEqual(errorsOf(input), [
        { path: '', message: 'a plan is an object with id and steps (or kind: program and phases)' },
      ]);
    });
  }

  void it('requires an id', () => {
    assert.deepEqual(errorsOf({ steps: [task('a')] }), [{ path: 'id', message: 'id is required (text)' }]);
  });

  void it('requires at least one step', () => {
    assert.deepEqual(errorsOf(phase([])), [
      { path: 'steps', message: 'steps must not be empty: it needs at least one item' },
    ]);
  });

  void it('rejects ids outside [a-z0-9-]', () => {
    const message = 'ids use lowercase letters, digits and dashes ([a-z0-9-]), starting with a letter or digit';
    assert.deepEqual(errorsOf({ id: 'Phase_7', steps: [task('a')] }), [{ path: 'id', message }]);
    assert.deepEqual(errorsOf(phase([task('-a')])), [{ path: 'steps[0].id', message }]);
  });
});

void describe('validatePlan: unknown keys', () => {
  void it('names an unknown top-level key in the path', () => {
    assert.deepEqual(errorsOf(phase([task('a')], { owner: 'me' })), [
      { path: 'owner', message: `unknown key "owner": allowed here are ${PHASE_KEYS}` },
    ]);
  });

  void it('names each unknown key of one object at its own path', () => {
    assert.deepEqual(errorsOf(phase([task('a')], { owner: 'me', team: 'x' })), [
      { path: 'owner', message: `unknown key "owner": allowed here are ${PHASE_KEYS}` },
      { path: 'team', message: `unknown key "team": allowed here are ${PHASE_KEYS}` },
    ]);
  });

  void it('names an unknown key in a step', () => {
    assert.deepEqual(errorsOf(phase([task('a'), task('b', { after: ['a'] })])), [
      { path: 'steps[1].after', message: 'unknown key "after": did you mean "needs"?' },
    ]);
  });

  void it('names an unknown key in a gate', () => {
    assert.deepEqual(errorsOf(phase([task('a'), gate('g', { needs: ['a'], quorum: 1 })])), [
      {
        path: 'steps[1].gate.quorum',
        message: 'unknown key "quorum": allowed here are needs, checks, onCheckFailure, approval',
      },
    ]);
  });

  void it('names an unknown key in an approval', () => {
    assert.deepEqual(errorsOf(phase([gate('g', { approval: { approvers: ['cto'], approver: 'cto' } })])), [
      { path: 'steps[0].gate.approval.approver', message: 'unknown key "approver": did you mean "approvers"?' },
    ]);
  });

  void it('names an unknown key in a run executor', () => {
    assert.deepEqual(errorsOf(phase([task('a', { run: { kind: 'shell', command: ['true'], shell: true } })])), [
      {
        path: 'steps[0].run.shell',
        message:
          'unknown key "shell": allowed here are kind, command, script, cwd, env, timeout, nonRetryableExitCodes',
      },
    ]);
  });

  void it('names an unknown key in a rollback executor', () => {
    assert.deepEqual(errorsOf(phase([task('a', { rollback: { kind: 'simulate', seconds: 1 } })])), [
      {
        path: 'steps[0].rollback.seconds',
        message: 'unknown key "seconds": allowed here are kind, duration, failAttempts, metrics',
      },
    ]);
  });

  void it('names an unknown key in retry and defaults', () => {
    assert.deepEqual(errorsOf(phase([task('a', { retry: { attempts: 2 } })], { defaults: { retries: 2 } })), [
      { path: 'defaults.retries', message: 'unknown key "retries": did you mean "retry"?' },
      {
        path: 'steps[0].retry.attempts',
        message:
          'unknown key "attempts": allowed here are maximumAttempts, initialInterval, backoffCoefficient, maximumInterval',
      },
    ]);
  });

  void it('names an unknown key in a metric rule', () => {
    assert.deepEqual(errorsOf(phase([task('a', { metrics: { m: { pattern: 'x' } } })])), [
      { path: 'steps[0].metrics.m.pattern', message: 'unknown key "pattern": allowed here are from, regex' },
    ]);
  });
});

void describe('validatePlan: step ids and needs', () => {
  void it('rejects a duplicate id at the later step, naming the first', () => {
    assert.deepEqual(errorsOf(phase([task('a'), task('b'), task('a')])), [
      { path: 'steps[2].id', message: 'duplicate step id "a" (first used by steps[0])' },
    ]);
  });

  void it('reports every repetition of an id against its first use', () => {
    assert.deepEqual(errorsOf(phase([task('a'), task('a'), task('a')])), [
      { path: 'steps[1].id', message: 'duplicate step id "a" (first used by steps[0])' },
      { path: 'steps[2].id', message: 'duplicate step id "a" (first used by steps[0])' },
    ]);
  });

  void it('rejects needs naming a missing step at steps[i].needs[j]', () => {
    assert.deepEqual(errorsOf(phase([task('a'), task('b', { needs: ['a', 'ghost'] })])), [
      { path: 'steps[1].needs[1]', message: 'needs "ghost", which is not a step of this plan' },
    ]);
  });

  void it('rejects gate.needs naming a missing step at steps[i].gate.needs[j]', () => {
    assert.deepEqual(errorsOf(phase([task('a'), gate('g', { needs: ['build'] })])), [
      { path: 'steps[1].gate.needs[0]', message: 'needs "build", which is not a step of this plan' },
    ]);
  });

  void it('rejects a task that needs itself', () => {
    assert.deepEqual(errorsOf(phase([task('a', { needs: ['a'] })])), [
      { path: 'steps[0].needs[0]', message: 'step "a" cannot need itself' },
    ]);
  });

  void it('rejects a gate that needs itself', () => {
    assert.deepEqual(errorsOf(phase([task('a'), gate('g', { needs: ['a', 'g'] })])), [
      { path: 'steps[1].gate.needs[1]', message: 'step "g" cannot need itself' },
    ]);
  });

  void it('accepts needs pointing forward in the file', () => {
    validPlan(phase([task('b', { needs: ['a'] }), task('a')]));
  });
});

void describe('validatePlan: dependency cycles', () => {
  void it('names a two-step cycle at the needs of its first step', () => {
    assert.deepEqual(errorsOf(phase([task('a', { needs: ['b'] }), task('b', { needs: ['a'] })])), [
      { path: 'steps[0].needs', message: 'dependency cycle: a -> b -> a' },
    ]);
  });

  void it('names a three-step cycle along its edges', () => {
    // a needs c, c needs b, b needs a.
    assert.deepEqual(
      errorsOf(phase([task('a', { needs: ['c'] }), task('b', { needs: ['a'] }), task('c', { needs: ['b'] })])),
      [{ path: 'steps[0].needs', message: 'dependency cycle: a -> c -> b -> a' }],
    );
  });

  void it('points at the first step of the cycle, not the first step of the plan', () => {
    assert.deepEqual(errorsOf(phase([task('x'), task('a', { needs: ['x', 'b'] }), task('b', { needs: ['a'] })])), [
      { path: 'steps[1].needs', message: 'dependency cycle: a -> b -> a' },
    ]);
  });

  void it('follows gate.needs into cycles', () => {
    assert.deepEqual(errorsOf(phase([task('t', { needs: ['g'] }), gate('g', { needs: ['t'] })])), [
      { path: 'steps[0].needs', message: 'dependency cycle: t -> g -> t' },
    ]);
  });

  void it('points a cycle that starts at a gate at its gate.needs', () => {
    assert.deepEqual(errorsOf(phase([gate('g', { needs: ['t'] }), task('t', { needs: ['g'] })])), [
      { path: 'steps[0].gate.needs', message: 'dependency cycle: g -> t -> g' },
    ]);
  });

  void it('still names a cycle through a step that also needs itself', () => {
    assert.deepEqual(errorsOf(phase([task('a', { needs: ['a', 'b'] }), task('b', { needs: ['a'] })])), [
      { path: 'steps[0].needs[0]', message: 'step "a" cannot need itself' },
      { path: 'steps[0].needs', message: 'dependency cycle: a -> b -> a' },
    ]);
  });
});

void describe('validatePlan: gate checks', () => {
  const source = task('build', { metrics: { warnings: {}, ratio: { regex: 'ratio ([0-9.]+)' } } });
  const checking = (metric: string, needs: string[] = ['build']) =>
    gate('g', { needs, checks: [{ metric, op: '<', value: 10 }] });

  void it('accepts a check on a declared metric of a task the gate needs', () => {
    validPlan(phase([source, checking('build.warnings')]));
    validPlan(phase([source, checking('build.ratio')]));
  });

  void it('accepts a check on a task the gate depends on transitively', () => {
    validPlan(phase([source, task('deploy', { needs: ['build'] }), checking('build.warnings', ['deploy'])]));
  });

  void it('accepts a dependency declared with step-level needs on a gate', () => {
    validPlan(
      phase([source, gate('g', { checks: [{ metric: 'build.warnings', op: '<', value: 1 }] }, { needs: ['build'] })]),
    );
  });

  void it('rejects a metric of a step that does not exist', () => {
    assert.deepEqual(errorsOf(phase([source, checking('lint.warnings')])), [
      { path: 'steps[1].gate.checks[0].metric', message: 'metric "lint.warnings": no step "lint" in this plan' },
    ]);
  });

  void it('rejects a metric of a gate', () => {
    assert.deepEqual(
      errorsOf(phase([source, gate('review', { needs: ['build'] }), checking('review.warnings', ['review'])])),
      [
        {
          path: 'steps[2].gate.checks[0].metric',
          message: 'metric "review.warnings": "review" is a gate; metrics come from tasks',
        },
      ],
    );
  });

  void it('rejects a metric the task does not declare', () => {
    assert.deepEqual(errorsOf(phase([source, checking('build.errors')])), [
      {
        path: 'steps[1].gate.checks[0].metric',
        message: 'metric "build.errors": task "build" does not declare "errors" in its metrics',
      },
    ]);
  });

  void it('rejects a metric of a task with no metrics at all', () => {
    assert.deepEqual(errorsOf(phase([task('build'), checking('build.warnings')])), [
      {
        path: 'steps[1].gate.checks[0].metric',
        message: 'metric "build.warnings": task "build" does not declare "warnings" in its metrics',
      },
    ]);
  });

  void it('rejects a metric of a task the gate does not depend on', () => {
    assert.deepEqual(errorsOf(phase([source, task('other'), checking('build.warnings', ['other'])])), [
      {
        path: 'steps[2].gate.checks[0].metric',
        message: 'metric "build.warnings": gate "g" does not depend on "build", so the metric may not exist yet',
      },
    ]);
  });

  void it('rejects a metric reference without a step part', () => {
    assert.deepEqual(errorsOf(phase([source, checking('warnings')])), [
      { path: 'steps[1].gate.checks[0].metric', message: 'metric is <step-id>.<metric-name>' },
    ]);
  });

  void it('reports each bad check of a gate at its own index', () => {
    const g = gate('g', {
      needs: ['build'],
      checks: [
        { metric: 'build.warnings', op: '<', value: 1 },
        { metric: 'build.errors', op: '<', value: 1 },
        { metric: 'nope.x', op: '==', value: true },
      ],
    });
    assert.deepEqual(
      errorsOf(phase([source, g])).map((e) => e.path),
      ['steps[1].gate.checks[1].metric', 'steps[1].gate.checks[2].metric'],
    );
  });

  void it('rejects an Object.prototype name the task does not declare', () => {
    assert.deepEqual(errorsOf(phase([source, checking('build.toString')])), [
      {
        path: 'steps[1].gate.checks[0].metric',
        message: 'metric "build.toString": task "build" does not declare "toString" in its metrics',
      },
    ]);
  });

  void it('rejects an unknown operator', () => {
    assert.deepEqual(
      errorsOf(
        phase([source, gate('g', { needs: ['build'], checks: [{ metric: 'build.warnings', op: '=~', value: 1 }] })]),
      ),
      [
        {
          path: 'steps[1].gate.checks[0].op',
          message: 'unknown op "=~": did you mean "=="? (one of <, <=, >, >=, ==, !=)',
        },
      ],
    );
  });
});

void describe('validatePlan: approvals', () => {
  const approving = (approval: Obj) => phase([task('a'), gate('g', { needs: ['a'], approval })]);

  void it('rejects a quorum larger than the approver list', () => {
    assert.deepEqual(errorsOf(approving({ approvers: ['alice', 'bob'], quorum: 3 })), [
      { path: 'steps[1].gate.approval.quorum', message: 'quorum 3 is larger than the 2 approver(s) listed' },
    ]);
  });

  void it('accepts a quorum equal to the approver list', () => {
    validPlan(approving({ approvers: ['alice', 'bob'], quorum: 2 }));
  });

  void it('accepts an approval without quorum (default 1)', () => {
    validPlan(approving({ approvers: ['alice'] }));
  });

  void it('rejects an empty approver list', () => {
    assert.deepEqual(errorsOf(approving({ approvers: [] })), [
      { path: 'steps[1].gate.approval.approvers', message: 'approvers must not be empty: it needs at least one item' },
    ]);
  });

  void it('rejects a quorum of zero', () => {
    assert.deepEqual(errorsOf(approving({ approvers: ['alice'], quorum: 0 })), [
      { path: 'steps[1].gate.approval.quorum', message: 'quorum must be at least 1' },
    ]);
  });

  void it('rejects a quorum that only repeated approver names could reach', () => {
    const errors = errorsOf(approving({ approvers: ['alice', 'alice'], quorum: 2 }));
    assert.ok(
      errors.some((e) => e.path.startsWith('steps[1].gate.approval')),
      JSON.stringify(errors),
    );
  });
});

void describe('validatePlan: durations', () => {
  const BAD = ['5 minutes', '10', '-1s', '1x'];
  const cases: [field: string, plan: (d: string) => Obj][] = [
    ['deadline', (d) => phase([task('a')], { deadline: d })],
    ['escalateAfter', (d) => phase([task('a')], { escalateAfter: d })],
    ['defaults.timeout', (d) => phase([task('a')], { defaults: { timeout: d } })],
    ['defaults.retry.initialInterval', (d) => phase([task('a')], { defaults: { retry: { initialInterval: d } } })],
    ['steps[0].timeout', (d) => phase([task('a', { timeout: d })])],
    ['steps[0].heartbeat', (d) => phase([task('a', { heartbeat: d })])],
    ['steps[0].retry.initialInterval', (d) => phase([task('a', { retry: { initialInterval: d } })])],
    ['steps[0].retry.maximumInterval', (d) => phase([task('a', { retry: { maximumInterval: d } })])],
    ['steps[0].run.timeout', (d) => phase([task('a', { run: { kind: 'shell', command: ['true'], timeout: d } })])],
    ['steps[0].gate.approval.timeout', (d) => phase([gate('g', { approval: { approvers: ['cto'], timeout: d } })])],
  ];
  for (const [path, make] of cases) {
    void it(`rejects malformed durations in ${path}`, () => {
      for (const bad of BAD)
        assert.deepEqual(errorsOf(make(bad)), [{ path, message: DURATION_MESSAGE }], `duration ${JSON.stringify(bad)}`);
    });
  }

  void it('accepts simple, fractional and compound durations', () => {
    for (const good of ['500ms', '30s', '15m', '6h', '2d', '1w', '1.5s', '1h30m'])
      validPlan(phase([task('a', { timeout: good })], { deadline: good }));
  });

  void it('rejects a duration given as a number', () => {
    assert.deepEqual(errorsOf(phase([task('a', { timeout: 10 })])), [
      { path: 'steps[0].timeout', message: 'timeout must be text, not the number 10' },
    ]);
  });
});

void describe('validatePlan: executors', () => {
  void it('rejects a shell run with both command and script', () => {
    assert.deepEqual(errorsOf(phase([task('a', { run: { kind: 'shell', command: ['make'], script: 'make' } })])), [
      { path: 'steps[0].run.command', message: COMMAND_OR_SCRIPT },
    ]);
  });

  void it('rejects a shell run with neither command nor script', () => {
    assert.deepEqual(errorsOf(phase([task('a', { run: { kind: 'shell', cwd: '.' } })])), [
      { path: 'steps[0].run.command', message: COMMAND_OR_SCRIPT },
    ]);
  });

  void it('applies the command/script rule to rollbacks too', () => {
    assert.deepEqual(errorsOf(phase([task('a', { rollback: { kind: 'shell' } })])), [
      { path: 'steps[0].rollback.command', message: COMMAND_OR_SCRIPT },
    ]);
  });

  void it('accepts a shell run with a script only', () => {
    validPlan(phase([task('a', { run: { kind: 'shell', script: 'echo hi | tr a-z A-Z' } })]));
  });

  void it('rejects an agent rollback', () => {
    assert.deepEqual(errorsOf(phase([task('a', { rollback: { kind: 'agent' } })])), [
      { path: 'steps[0].rollback.kind', message: 'rollback cannot be an agent task' },
    ]);
  });

  void it('rejects an unknown executor kind', () => {
    assert.deepEqual(errorsOf(phase([task('a', { run: { kind: 'docker' } })])), [
      { path: 'steps[0].run.kind', message: 'unknown kind "docker": use one of shell, http, agent, simulate' },
    ]);
  });

  void it('rejects an http url that is not http(s)', () => {
    assert.deepEqual(errorsOf(phase([task('a', { run: { kind: 'http', url: 'ftp://example.com/x' } })])), [
      { path: 'steps[0].run.url', message: 'url must be an absolute http(s) URL' },
    ]);
  });
});

void describe('validatePlan: metric rules', () => {
  void it('rejects a regex that does not compile', () => {
    assert.deepEqual(errorsOf(phase([task('a', { metrics: { m: { regex: 'built in ([0-9.]+s' } } })])), [
      {
        path: 'steps[0].metrics.m.regex',
        message:
          'not a regular expression RE2 can run (missing closing ): `(?m)built in ([0-9.]+s`): no backreferences or lookaround',
      },
    ]);
  });

  void it('rejects an unknown source', () => {
    assert.deepEqual(errorsOf(phase([task('a', { metrics: { m: { from: 'log', regex: 'x' } } })])), [
      { path: 'steps[0].metrics.m.from', message: 'unknown from "log": use one of stdout, stderr, body' },
    ]);
  });

  void it('rejects a metric name with a space at its key', () => {
    const errors = errorsOf(phase([task('a', { metrics: { 'bad name': {} } })]));
    assert.deepEqual(
      errors.map((e) => e.path),
      ['steps[0].metrics.bad name'],
    );
  });

  void it('explains the metric name rule', () => {
    assert.deepEqual(errorsOf(phase([task('a', { metrics: { 'bad name': {} } })])), [
      { path: 'steps[0].metrics.bad name', message: 'metric names use [A-Za-z0-9_-]' },
    ]);
  });
});

void describe('validatePlan: startAt', () => {
  const message = 'startAt is an ISO 8601 date-time, e.g. 2026-01-13T22:00:00Z';

  void it('rejects a date without a time, and free text', () => {
    for (const bad of ['2026-01-13', 'tomorrow 9am', '2026-01-13 22:00:00'])
      assert.deepEqual(errorsOf(phase([task('a')], { startAt: bad })), [{ path: 'startAt', message }], bad);
  });

  void it('accepts UTC and offset date-times', () => {
    validPlan(phase([task('a')], { startAt: '2026-01-13T22:00:00Z' }));
    validPlan(phase([task('a')], { startAt: '2026-01-13T22:00:00+01:00' }));
  });

  void it('is checked on programs too', () => {
    assert.deepEqual(errorsOf({ id: 'prog', kind: 'program', startAt: 'soon', phases: ['a'] }), [
      { path: 'startAt', message },
    ]);
  });
});

void describe('validatePlan: tasks and gates', () => {
  void it('rejects a gate that also has run', () => {
    assert.deepEqual(errorsOf(phase([task('a'), gate('g', { needs: ['a'] }, { run: { kind: 'simulate' } })])), [
      { path: 'steps[1].run', message: RUN_OR_GATE },
    ]);
  });

  void it('rejects a step with neither run nor gate', () => {
    assert.deepEqual(errorsOf(phase([{ id: 'a', title: 'nothing to do' }])), [
      { path: 'steps[0].run', message: RUN_OR_GATE },
    ]);
  });

  void it('rejects task-only fields on a gate, one error per field', () => {
    const g = gate(
      'g',
      {},
      {
        rollback: { kind: 'simulate' },
        retry: { maximumAttempts: 2 },
        timeout: '1m',
        heartbeat: '5s',
        onFailure: 'hold',
        metrics: { m: {} },
      },
    );
    assert.deepEqual(errorsOf(phase([g])), [
      { path: 'steps[0].rollback', message: 'rollback is for tasks, not gates' },
      { path: 'steps[0].retry', message: 'retry is for tasks, not gates' },
      { path: 'steps[0].timeout', message: 'timeout is for tasks, not gates' },
      { path: 'steps[0].heartbeat', message: 'heartbeat is for tasks, not gates' },
      { path: 'steps[0].onFailure', message: 'onFailure is for tasks, not gates' },
      { path: 'steps[0].metrics', message: 'metrics is for tasks, not gates' },
    ]);
  });

  void it('rejects a task carrying a gate', () => {
    assert.deepEqual(errorsOf(phase([task('a', { gate: { approval: { approvers: ['cto'] } } })])), [
      { path: 'steps[0].run', message: RUN_OR_GATE },
    ]);
  });

  void it('rejects gate fields written directly on a task', () => {
    assert.deepEqual(errorsOf(phase([task('a', { approval: { approvers: ['cto'] } })])), [
      { path: 'steps[0].approval', message: `unknown key "approval": allowed here are ${STEP_KEYS}` },
    ]);
    assert.deepEqual(errorsOf(phase([task('a', { checks: [], onCheckFailure: 'ask' })])), [
      { path: 'steps[0].checks', message: `unknown key "checks": allowed here are ${STEP_KEYS}` },
      { path: 'steps[0].onCheckFailure', message: `unknown key "onCheckFailure": allowed here are ${STEP_KEYS}` },
    ]);
  });

  void it('accepts fields common to tasks and gates on a gate', () => {
    validPlan(
      phase([
        task('a'),
        gate('g', { needs: ['a'] }, { title: 'Go?', description: 'd', agent: 'cto', priority: 1, escalateAfter: '1h' }),
      ]),
    );
  });
});

void describe('validatePlan: programs', () => {
  const program = (phases: unknown[], extra: Obj = {}): Obj => ({
    id: 'rollout',
    kind: 'program',
    title: 'Rollout',
    phases,
    ...extra,
  });

  void it('accepts bundled plan ids and inline phases', () => {
    const plan = validPlan(program(['phase-1', { id: 'phase-2', steps: [task('a')] }]), new Set(['phase-1']));
    assert.equal(plan.kind, 'program');
  });

  void it('accepts any well-formed id when no known ids are given', () => {
    validPlan(program(['not-checked-here']));
  });

  void it('rejects an unknown plan id when known ids are given', () => {
    assert.deepEqual(errorsOf(program(['phase-1', 'phase-9']), new Set(['phase-1'])), [
      { path: 'phases[1]', message: 'no bundled plan "phase-9"' },
    ]);
  });

  void it('rejects a program that names itself', () => {
    assert.deepEqual(errorsOf(program(['rollout'])), [
      { path: 'phases[0]', message: 'a program cannot contain itself' },
    ]);
  });

  void it('prefixes whole-plan errors of an inline phase with phases[i].', () => {
    const inline = { id: 'inline', steps: [task('a', { needs: ['ghost'] }), task('a')] };
    assert.deepEqual(errorsOf(program(['x', inline])), [
      { path: 'phases[1].steps[1].id', message: 'duplicate step id "a" (first used by steps[0])' },
      { path: 'phases[1].steps[0].needs[0]', message: 'needs "ghost", which is not a step of this plan' },
    ]);
  });

  void it('prefixes structural errors of an inline phase with phases[i].', () => {
    assert.deepEqual(errorsOf(program([{ id: 'inline', steps: [task('a', { bogus: 1 })] }])), [
      { path: 'phases[0].steps[0].bogus', message: `unknown key "bogus": allowed here are ${STEP_KEYS}` },
    ]);
  });

  void it('prefixes cycles in an inline phase with phases[i].', () => {
    assert.deepEqual(
      errorsOf(program([{ id: 'inline', steps: [task('a', { needs: ['b'] }), task('b', { needs: ['a'] })] }])),
      [{ path: 'phases[0].steps[0].needs', message: 'dependency cycle: a -> b -> a' }],
    );
  });

  void it('rejects an empty phase list and phase-only keys', () => {
    assert.deepEqual(errorsOf(program([], { steps: [] })), [
      { path: 'phases', message: 'phases must not be empty: it needs at least one item' },
      { path: 'steps', message: `unknown key "steps": allowed here are ${PROGRAM_KEYS}` },
    ]);
  });
});
