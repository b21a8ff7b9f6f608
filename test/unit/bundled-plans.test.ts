/**
 * The bundled plans in `plans/`: every file validates, its id is its file name, each seed plan
 * still says what its seed document says (agents, dependencies, thresholds, windows), and every
 * plan would succeed quickly once its gates are approved (simulated metrics pass the checks with
 * the engine's own comparison, simulated durations stay short).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { validatePlan } from '../../workflows/plan/validate';
import { parseDuration } from '../../workflows/plan/duration';
import { stepNeeds } from '../../workflows/plan/resolve';
import { checkPasses } from '../../workflows/gates';
import type { PhasePlan, Plan, ProgramPlan, Step } from '../../workflows/plan/schema';

// describe()/test() return promises that node:test itself awaits; `void` says so to the linter.

const PLANS_DIR = resolve(__dirname, '..', '..', 'plans');
const SEEDS = ['phase2-initialization.md', 'phase6-orchestration-report.md', 'phase7-coordinator-handoff.md'];

const files = readdirSync(PLANS_DIR)
  .filter((f) => f !== 'schedules.yaml') // declares schedules, not a plan
  .filter((f) => f.endsWith('.yaml'))
  .sort();
/** Parsed files; a YAML syntax error is kept as the value so that only that file's test fails. */
const raw = new Map(
  files.map((f): [string, unknown] => {
    try {
      return [basename(f, '.yaml'), parse(readFileSync(join(PLANS_DIR, f), 'utf8')) as unknown];
    } catch (err) {
      return [basename(f, '.yaml'), err];
    }
  }),
);
// Programs name bundled plans by id, so the set of ids is what their phases are checked against.
const knownIds = new Set(raw.keys());

function load(id: string): Plan {
  const parsed = raw.get(id);
  if (parsed instanceof Error) assert.fail(`${id}.yaml is not valid YAML: ${parsed.message}`);
  const result = validatePlan(parsed, knownIds);
  if (!result.ok)
    assert.fail(`${id}.yaml is invalid:\n${result.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}`);
  return result.plan;
}
function phase(id: string): PhasePlan {
  const plan = load(id);
  assert.notEqual(plan.kind, 'program', `${id} should be a phase`);
  return plan as PhasePlan;
}
function step(plan: PhasePlan, id: string): Step {
  const found = plan.steps.find((s) => s.id === id);
  assert.ok(found, `${plan.id} has no step ${id}`);
  return found;
}
const tasks = (plan: PhasePlan) => plan.steps.filter((s) => s.run);
const gates = (plan: PhasePlan) => plan.steps.filter((s) => s.gate);
const checkText = (s: Step) => (s.gate?.checks ?? []).map((c) => `${c.metric} ${c.op} ${JSON.stringify(c.value)}`);
const phaseIds = [...knownIds].filter((id) => (raw.get(id) as { kind?: string } | undefined)?.kind !== 'program');

/** Longest chain of simulated durations through the dependency graph (gates take no time here). */
function criticalPathMs(plan: PhasePlan): number {
  const memo = new Map<string, number>();
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  const finish = (id: string): number => {
    const cached = memo.get(id);
    if (cached !== undefined) return cached;
    const s = byId.get(id) as Step;
    const own = s.run?.kind === 'simulate' ? parseDuration(s.run.duration ?? '0s') : 0;
    const total = own + Math.max(0, ...stepNeeds(s).map(finish));
    memo.set(id, total);
    return total;
  };
  return Math.max(...plan.steps.map((s) => finish(s.id)));
}

void describe('every bundled plan', () => {
  void test('there are plans for every seed and the demos', () => {
    for (const id of [
      'phase-2-initialization',
      'phase-2-program',
      'phase-6-orchestration',
      'phase-7-release',
      'demo-hello',
      'demo-approval',
    ]) {
      assert.ok(knownIds.has(id), `plans/${id}.yaml is missing`);
    }
  });

  for (const id of knownIds) {
    void test(`${id}.yaml validates and its id is its file name`, () => {
      const plan = load(id);
      assert.equal(plan.id, id);
      assert.match(id, /^[a-z0-9-]+$/);
    });
  }

  for (const id of phaseIds) {
    void test(`${id}: simulated, passes its own checks, finishes in well under a minute`, () => {
      const plan = phase(id);
      const simulated = new Map<string, Record<string, unknown>>();
      for (const t of tasks(plan)) {
        assert.equal(t.run?.kind, 'simulate', `${t.id} should be simulated`);
        if (t.run?.kind !== 'simulate') continue;
        const ms = parseDuration(t.run.duration ?? '0s');
        assert.ok(ms >= 1000 && ms <= 3000, `${t.id}: simulated duration ${t.run.duration} is outside 1-3s`);
        assert.equal(t.run.failAttempts ?? 0, 0, `${t.id} should not fail on purpose`);
        for (const name of Object.keys(t.metrics ?? {})) {
          assert.ok(t.run.metrics && name in t.run.metrics, `${t.id} declares metric ${name} but does not simulate it`);
        }
        simulated.set(t.id, t.run.metrics ?? {});
      }
      for (const g of gates(plan)) {
        for (const c of g.gate?.checks ?? []) {
          const [stepId, name] = c.metric.split('.') as [string, string];
          const actual = simulated.get(stepId)?.[name] as string | number | boolean | undefined;
          assert.ok(
            checkPasses(c.op, actual, c.value),
            `${g.id}: ${c.metric} ${c.op} ${c.value} fails with simulated ${actual}`,
          );
        }
      }
      assert.ok(criticalPathMs(plan) <= 30_000, `${id}: simulated critical path ${criticalPathMs(plan)}ms`);
    });
  }

  void test('seed plans name their seed document', () => {
    for (const id of phaseIds.filter((p) => p.startsWith('phase-')).concat('phase-2-program')) {
      const source = (load(id) as { source?: string }).source ?? '';
      assert.ok(
        SEEDS.some((seed) => source.endsWith(seed)),
        `${id}: source "${source}" names no seed`,
      );
    }
  });
});

void describe('phase-7-release (phase7-coordinator-handoff.md)', () => {
  const plan = phase('phase-7-release');

  void test('the four task definitions with their roster agents', () => {
    const agents = Object.fromEntries(tasks(plan).map((t) => [t.id, t.agent]));
    assert.deepEqual(
      {
        'build-infra': agents['build-infra'],
        'config-system': agents['config-system'],
        'code-quality': agents['code-quality'],
        'release-prep': agents['release-prep'],
      },
      {
        'build-infra': 'cicd-engineer',
        'config-system': 'backend-dev',
        'code-quality': 'reviewer',
        'release-prep': 'planner',
      },
    );
  });

  void test('7.1-7.3 start in parallel; 7.4 waits for 7.3', () => {
    for (const id of ['build-infra', 'config-system', 'code-quality']) assert.deepEqual(stepNeeds(step(plan, id)), []);
    assert.deepEqual(step(plan, 'release-prep').needs, ['code-quality']);
  });

  void test('timeline: ~3.4 days -> 4d deadline; task estimates escalate', () => {
    assert.equal(parseDuration(plan.deadline ?? '0s'), parseDuration('4d'));
    assert.equal(step(plan, 'build-infra').escalateAfter, '2.4d');
    assert.equal(step(plan, 'code-quality').escalateAfter, '1.2d');
  });

  void test('quality gate thresholds and approvers', () => {
    const gate = step(plan, 'release-gate');
    const checks = checkText(gate);
    for (const expected of [
      'code-quality.clippy_warnings < 20',
      'build-infra.build_time_improvement_pct >= 25',
      'config-system.env_vars_implemented >= 93',
      'release-prep.version == "2.0.0"',
      'integration-validation.tests_passed >= 626',
    ]) {
      assert.ok(checks.includes(expected), `missing check ${expected}; have ${checks.join(', ')}`);
    }
    assert.ok(gate.gate?.approval?.approvers.includes('release-manager'));
    assert.ok(gate.gate?.approval?.approvers.includes('cto'));
    assert.equal(gate.gate?.approval?.onTimeout, 'no-go');
  });

  void test('the completion report only follows a go', () => {
    assert.deepEqual(step(plan, 'completion-report').needs, ['release-gate']);
  });
});

void describe('phase-6-orchestration (phase6-orchestration-report.md)', () => {
  const plan = phase('phase-6-orchestration');

  void test('the coordination matrix: agents and priorities', () => {
    const priorityOf = (agent: string) => tasks(plan).find((t) => t.agent === agent)?.priority;
    assert.equal(priorityOf('production-validator'), 1);
    assert.equal(priorityOf('system-architect'), 1);
    assert.equal(priorityOf('security-manager'), 2);
    assert.equal(priorityOf('performance-benchmarker'), 2);
    assert.equal(priorityOf('reviewer'), 3);
    assert.equal(priorityOf('task-orchestrator'), 3);
  });

  void test('deployment order: infrastructure team, then validation team in parallel, then integration', () => {
    assert.deepEqual(stepNeeds(step(plan, 'production-validator')), []);
    assert.deepEqual(stepNeeds(step(plan, 'system-architect')), []);
    assert.deepEqual(step(plan, 'security-manager').needs, ['infrastructure-gate']);
    assert.deepEqual(step(plan, 'performance-benchmarker').needs, ['infrastructure-gate']);
    assert.deepEqual(step(plan, 'reviewer').needs, ['security-manager', 'performance-benchmarker']);
    assert.ok(
      checkText(step(plan, 'infrastructure-gate')).includes('production-validator.test_execution_rate_pct > 95'),
    );
  });

  void test('6-hour window and 2-hour issue resolution', () => {
    assert.equal(plan.deadline, '6h');
    assert.equal(plan.escalateAfter, '2h');
  });

  void test('deployment readiness criteria and the final go/no-go', () => {
    const gate = step(plan, 'deployment-gate');
    const checks = checkText(gate);
    for (const expected of [
      'security-manager.security_score_pct == 100',
      'final-validation.test_success_pct > 95',
      'performance-benchmarker.budget_violation_pct < 0.3',
      'final-validation.endpoint_success_pct > 90',
      'security-manager.nasa_compliance_pct >= 92',
    ]) {
      assert.ok(checks.includes(expected), `missing check ${expected}; have ${checks.join(', ')}`);
    }
    assert.ok(gate.gate?.approval?.approvers.includes('task-orchestrator'));
  });
});

void describe('phase 2 (phase2-initialization.md)', () => {
  const weekIds = [
    'phase-2-week-1-service-discovery',
    'phase-2-week-2-performance-optimization',
    'phase-2-week-3-monitoring-alerting',
    'phase-2-week-4-production-reliability',
  ];
  const whole = phase('phase-2-initialization');

  void test('the program runs the four weeks in order', () => {
    const program = load('phase-2-program') as ProgramPlan;
    assert.equal(program.kind, 'program');
    assert.deepEqual(program.phases, weekIds);
  });

  void test('4-6 weeks: the whole phase has a 6w deadline; each week ends in an approved go/no-go', () => {
    assert.equal(parseDuration(whole.deadline ?? '0s'), parseDuration('6w'));
    weekIds.forEach((id, i) => {
      const week = phase(id);
      const gate = gates(week);
      assert.equal(gate.length, 1, `${id} has one weekly gate`);
      assert.equal(gate[0]?.id, `week-${i + 1}-gate`);
      assert.ok(gate[0]?.gate?.approval, `${id}: the weekly gate needs a human go/no-go`);
      // the gate is the last thing in the week: every other step is upstream of it
      assert.ok(
        week.steps.every((s) => s.gate || week.steps.some((o) => stepNeeds(o).includes(s.id))),
        `${id}: a step nobody waits for`,
      );
    });
  });

  void test('the whole-phase plan holds the weekly steps verbatim, chained by the weekly gates', () => {
    const seen = new Set<string>();
    weekIds.forEach((id, i) => {
      for (const s of phase(id).steps) {
        seen.add(s.id);
        const inWhole = step(whole, s.id);
        const entry = i > 0 && stepNeeds(s).length === 0;
        const expected = entry ? { ...s, needs: [`week-${i}-gate`] } : s;
        assert.deepEqual(inWhole, expected, `${s.id} differs between ${id} and phase-2-initialization`);
      }
    });
    assert.deepEqual(
      whole.steps.map((s) => s.id).filter((s) => !seen.has(s)),
      [],
    );
  });

  void test("the doc's success criteria are the gates' thresholds", () => {
    const all = whole.steps.flatMap(checkText);
    for (const expected of [
      'agent-integration-rollout.agents_integrated >= 77',
      'agent-integration-rollout.discovery_latency_ms < 100',
      'agent-integration-rollout.discovery_availability_pct >= 99.9',
      'gpu-optimization.vram_saved_gb >= 2',
      'memory-pooling.memory_reduction_pct >= 30',
      'cpu-threading.cpu_efficiency_improvement_pct >= 25',
      'intelligent-alerting.false_positive_rate_pct < 1',
      'anomaly-detection.anomaly_detection_accuracy_pct > 95',
      'automated-failover.failover_seconds < 5',
      'reliability-validation.uptime_pct >= 99.9',
      'phase-2-final-validation.system_perf_improvement_pct >= 20',
    ]) {
      assert.ok(all.includes(expected), `missing check ${expected}`);
    }
  });

  void test('launch sequence of week 1 and automated rollback', () => {
    assert.deepEqual(step(whole, 'registry-infrastructure').needs, ['sd-planning']);
    assert.deepEqual(step(whole, 'agent-integration-rollout').needs, ['registry-infrastructure']);
    assert.ok(step(whole, 'agent-integration-rollout').rollback, 'rollout has an automated rollback');
  });
});

void describe('demo plans', () => {
  void test('demo-hello: three simulated steps, one parallel pair, no gate', () => {
    const plan = phase('demo-hello');
    assert.equal(plan.steps.length, 3);
    assert.equal(gates(plan).length, 0);
    assert.deepEqual(step(plan, 'greet-en').needs, step(plan, 'greet-fr').needs);
  });

  void test('demo-approval: automatic checks, then alice or bob decide; a task can roll back', () => {
    const plan = phase('demo-approval');
    const [auto, human] = gates(plan);
    assert.ok(auto?.gate?.checks?.length && !auto.gate.approval);
    assert.deepEqual(human?.gate?.approval?.approvers, ['alice', 'bob']);
    assert.equal(human?.gate?.approval?.quorum, 1);
    assert.ok(stepNeeds(human as Step).includes(auto.id));
    assert.ok(tasks(plan).some((t) => t.rollback));
  });
});
