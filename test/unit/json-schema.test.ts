/**
 * The published JSON Schema of the plan format (`schema/plan.schema.json`): it is what
 * `scripts/gen-schema.ts` generates from the zod schema today, it accepts the SPEC example and every
 * bundled plan, and it rejects what editors should flag (unknown keys, malformed durations, bad ids).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import fc from 'fast-check';
import { parse } from 'yaml';
import { DURATION_PATTERN, main, planJsonSchemaText, SCHEMA_FILE, SCHEMA_ID } from '../../scripts/gen-schema';
import { isDuration, parseDuration } from '../../workflows/plan/duration';
import { validatePlan } from '../../workflows/plan/validate';
import { specExample } from '../helpers/spec-examples';

// describe()/it() return promises that node:test itself awaits; `void` says so to the linter.

const ROOT = resolve(__dirname, '..', '..');
const PLANS_DIR = join(ROOT, 'plans');
// A missing file fails the up-to-date test below; the other tests then check the generated schema.
const committedText = existsSync(SCHEMA_FILE) ? readFileSync(SCHEMA_FILE, 'utf8') : '';
const schema = JSON.parse(committedText || planJsonSchemaText()) as Record<string, unknown>;

// Structural validation only: formats (uri, date-time) are left to zod; union types are valid JSON Schema.
const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true, validateFormats: false });
const validateSchema = ajv.compile(schema);

type Obj = Record<string, unknown>;

/** Validates against the JSON Schema; the message lists ajv's errors. */
function schemaCheck(value: unknown): { valid: boolean; errors: string } {
  const valid = validateSchema(value);
  return { valid, errors: ajv.errorsText(validateSchema.errors, { separator: '\n' }) };
}
function assertAccepted(value: unknown, what: string): void {
  const { valid, errors } = schemaCheck(value);
  assert.ok(valid, `${what} should match the JSON Schema:\n${errors}`);
}
function assertRejected(value: unknown, what: string): void {
  assert.equal(schemaCheck(value).valid, false, `${what} should not match the JSON Schema`);
}
/** True when an ajv error of the last validation complains about `key` being an extra property. */
function flagsAdditional(key: string): boolean {
  return (validateSchema.errors ?? []).some(
    (e) =>
      e.keyword === 'additionalProperties' && (e.params as { additionalProperty?: string }).additionalProperty === key,
  );
}

/** The SPEC §2 example, copied verbatim from the YAML as an object. */
const SPEC_PROGRAM: Obj = {
  id: 'enterprise-rollout',
  kind: 'program',
  title: 'Five-week rollout',
  startAt: '2026-01-13T22:00:00Z',
  phases: [
    'phase-1-foundation',
    'phase-2-coordination',
    { id: 'phase-3-tasks', steps: [{ id: 'work', run: { kind: 'simulate', duration: '1s' } }] },
  ],
};
const clone = <T>(v: T): T => structuredClone(v);
const withStep = (step: Obj): Obj => ({ id: 'p', steps: [step] });

const bundledPlans = readdirSync(PLANS_DIR)
  .filter((f) => f !== 'schedules.yaml') // declares schedules, not a plan
  .filter((f) => /\.(ya?ml|json)$/.test(f))
  .sort()
  .map((f) => ({ file: f, value: parse(readFileSync(join(PLANS_DIR, f), 'utf8')) as unknown }));

void describe('schema/plan.schema.json', () => {
  void it('is what `npm run schema` generates from workflows/plan/schema.ts', () => {
    assert.ok(
      committedText === planJsonSchemaText(),
      'schema/plan.schema.json is out of date with workflows/plan/schema.ts: run `npm run schema` and commit the result',
    );
  });

  void it('is pretty-printed with two spaces and ends with one newline', () => {
    const text = committedText || planJsonSchemaText();
    assert.equal(text, `${JSON.stringify(JSON.parse(text), null, 2)}\n`);
  });

  void it('is a draft 2020-12 schema with $id, title and description', () => {
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.equal(schema.$id, SCHEMA_ID);
    assert.equal(typeof schema.title, 'string');
    assert.equal(typeof schema.description, 'string');
  });

  void it('names its shared parts under $defs', () => {
    const defs = Object.keys(schema.$defs as Obj).sort();
    for (const name of [
      'PhasePlan',
      'ProgramPlan',
      'Step',
      'Gate',
      'Check',
      'Approval',
      'Executor',
      'Duration',
      'Retry',
    ])
      assert.ok(defs.includes(name), `$defs.${name} missing (has ${defs.join(', ')})`);
  });

  void it('is stable: generating twice gives the same text', () => {
    assert.equal(planJsonSchemaText(), planJsonSchemaText());
  });
});

void describe('JSON Schema: accepts real plans', () => {
  void it('accepts the SPEC §2 phase example', () => {
    assertAccepted(specExample(), 'the SPEC §2 example');
  });

  void it('accepts the SPEC §2 program example', () => {
    assertAccepted(SPEC_PROGRAM, 'the SPEC §2 program');
  });

  void it('finds bundled plans to check', () => {
    assert.ok(bundledPlans.length > 0, `no plan files in ${PLANS_DIR}`);
  });

  for (const { file, value } of bundledPlans) {
    void it(`accepts plans/${file}`, () => {
      assertAccepted(value, `plans/${file}`);
    });
  }
});

void describe('JSON Schema: rejects what editors should flag', () => {
  void it('rejects an unknown top-level key', () => {
    assertRejected({ ...specExample(), owner: 'me' }, 'a plan with owner');
    assert.ok(flagsAdditional('owner'));
  });

  void it('rejects an unknown key in a step', () => {
    const plan = specExample();
    ((plan.steps as Obj[])[1] as Obj).after = ['build-infra'];
    assertRejected(plan, 'a step with after');
    assert.ok(flagsAdditional('after'));
  });

  void it('rejects an unknown key in a gate', () => {
    const plan = specExample();
    (((plan.steps as Obj[])[3] as Obj).gate as Obj).quorum = 1;
    assertRejected(plan, 'a gate with quorum outside approval');
    assert.ok(flagsAdditional('quorum'));
  });

  void it('rejects an unknown key in an executor', () => {
    assertRejected(
      withStep({ id: 'a', run: { kind: 'shell', command: ['true'], shell: true } }),
      'a shell run with shell: true',
    );
    assert.ok(flagsAdditional('shell'));
  });

  void it('rejects an unknown key in a program', () => {
    assertRejected({ ...clone(SPEC_PROGRAM), steps: [] }, 'a program with steps');
  });

  void it('rejects malformed durations', () => {
    for (const bad of ['5 minutes', '10', '-1s', '1x']) {
      assertRejected({ ...specExample(), deadline: bad }, `deadline ${bad}`);
      assertRejected(withStep({ id: 'a', run: { kind: 'simulate' }, timeout: bad }), `timeout ${bad}`);
    }
  });

  void it('rejects ids outside [a-z0-9-] and an unknown executor kind', () => {
    assertRejected({ ...specExample(), id: 'Phase_7' }, 'id Phase_7');
    assertRejected(withStep({ id: 'a', run: { kind: 'docker' } }), 'kind docker');
  });

  void it('rejects a plan without steps', () => {
    assertRejected({ id: 'p', steps: [] }, 'empty steps');
    assertRejected({ id: 'p' }, 'no steps');
  });
});

void describe('JSON Schema: agrees with the zod schema', () => {
  void it('accepts every plan validatePlan accepts', () => {
    const valid: unknown[] = [
      withStep({ id: 'a', run: { kind: 'shell', script: 'echo hi', env: { CI: '1' }, nonRetryableExitCodes: [2] } }),
      withStep({
        id: 'a',
        run: {
          kind: 'http',
          url: 'https://example.com/x',
          headers: { 'X-Token': '${TOKEN}' },
          body: { any: ['json', 1, null] },
        },
      }),
      withStep({
        id: 'a',
        run: { kind: 'simulate', duration: '1h30m', failAttempts: 2, metrics: { n: 1, s: 'x', b: true } },
        metrics: { n: {}, s: {}, b: {} },
      }),
      {
        id: 'p',
        startAt: '2026-01-13T22:00:00+01:00',
        defaults: { onFailure: 'hold', heartbeat: '10s' },
        steps: [{ id: 'a', run: { kind: 'agent', claimTimeout: '1d', instructions: 'do it' }, priority: 'high' }],
      },
      ...bundledPlans.map((p) => p.value),
    ];
    const known = new Set(bundledPlans.map((p) => p.file.replace(/\.(ya?ml|json)$/, '')));
    for (const plan of valid) {
      const result = validatePlan(plan, known);
      assert.ok(result.ok, `validatePlan rejects a fixture: ${JSON.stringify(result.ok ? null : result.errors)}`);
      assertAccepted(plan, JSON.stringify(plan).slice(0, 80));
    }
  });

  void it('uses the same duration syntax as isDuration', () => {
    const pattern = new RegExp(DURATION_PATTERN);
    for (const text of [
      '500ms',
      '30s',
      '15m',
      '6h',
      '2d',
      '1w',
      '1.5s',
      '1h30m',
      '5 minutes',
      '10',
      '-1s',
      '1x',
      '',
      '.5s',
      '1h 30m',
    ]) {
      assert.equal(pattern.test(text), isDuration(text), JSON.stringify(text));
    }
    const durationish = fc
      .array(fc.constantFrom('0', '1', '5', '.', 'm', 's', 'h', 'd', 'w', ' ', '-', 'x'), { maxLength: 8 })
      .map((cs) => cs.join(''));
    fc.assert(
      fc.property(durationish, (text) => {
        // The pattern is the syntax; isDuration also caps the value at 100 years, which a JSON
        // Schema pattern cannot express: the two agree on syntax, and isDuration never accepts more.
        if (isDuration(text)) assert.ok(pattern.test(text), JSON.stringify(text));
        else if (pattern.test(text))
          assert.throws(() => parseDuration(text), /at most 100 years/, JSON.stringify(text));
      }),
      { numRuns: 1000 },
    );
  });
});

void describe('gen-schema main', () => {
  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, log: (l: string) => out.push(l), error: (l: string) => err.push(l) };
  };
  const withTempDir = (fn: (dir: string) => void) => {
    const dir = mkdtempSync(join(tmpdir(), 'phasegate-schema-'));
    try {
      fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  void it('writes the schema text to the file', () => {
    withTempDir((dir) => {
      const file = join(dir, 'nested', 'plan.schema.json');
      const io = capture();
      assert.equal(main([], { file, ...io }), 0);
      assert.equal(readFileSync(file, 'utf8'), planJsonSchemaText());
      assert.equal(io.out.length, 1);
    });
  });

  void it('--check passes on an up-to-date file and writes nothing', () => {
    withTempDir((dir) => {
      const file = join(dir, 'plan.schema.json');
      writeFileSync(file, planJsonSchemaText());
      const io = capture();
      assert.equal(main(['--check'], { file, ...io }), 0);
      assert.deepEqual(io.err, []);
    });
  });

  void it('--check fails on a stale file, telling the user to run npm run schema', () => {
    withTempDir((dir) => {
      const file = join(dir, 'plan.schema.json');
      writeFileSync(file, '{}\n');
      const io = capture();
      assert.equal(main(['--check'], { file, ...io }), 1);
      assert.match(io.err.join('\n'), /out of date .*run `npm run schema`/);
      assert.equal(readFileSync(file, 'utf8'), '{}\n');
    });
  });

  void it('--check fails on a missing file', () => {
    withTempDir((dir) => {
      const io = capture();
      assert.equal(main(['--check'], { file: join(dir, 'none.json'), ...io }), 1);
      assert.match(io.err.join('\n'), /missing: run `npm run schema`/);
    });
  });

  void it('refuses unknown arguments', () => {
    const io = capture();
    assert.equal(main(['--write'], { file: join(tmpdir(), 'never-written.json'), ...io }), 2);
    assert.match(io.err.join('\n'), /unknown argument --write/);
  });
});
