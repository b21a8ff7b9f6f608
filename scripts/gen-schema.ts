/**
 * `npm run schema`: writes `schema/plan.schema.json`, the JSON Schema (draft 2020-12) of the plan
 * format, generated from `PlanSchema` in `workflows/plan/schema.ts` so editors can autocomplete and
 * check plan files. `npm run schema -- --check` writes nothing and exits 1 when the committed file
 * is missing or differs from what the zod schema generates now.
 *
 * JSON Schema cannot say everything `validatePlan` checks: cross-field rules (exactly one of
 * `run`/`gate`, of `command`/`script`), references between steps, cycles, declared metrics and
 * quorums are left to `phase validate` / `POST /api/plans/validate`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { z } from 'zod';
import {
  AgentExecutorSchema,
  ApprovalSchema,
  CheckSchema,
  DefaultsSchema,
  DurationSchema,
  ExecutorSchema,
  GateSchema,
  HttpExecutorSchema,
  IdSchema,
  MetricRuleSchema,
  PhasePlanSchema,
  PlanSchema,
  ProgramPlanSchema,
  RetrySchema,
  ShellExecutorSchema,
  SimulateExecutorSchema,
  StepSchema,
} from '../workflows/plan/schema';

/** Where the generated schema is committed. */
export const SCHEMA_FILE = resolve(__dirname, '..', 'schema', 'plan.schema.json');

/** The schema's `$id`: a stable name, not a download location (editors point at the file). */
export const SCHEMA_ID = 'urn:phasegate:schema:plan';

/**
 * The duration syntax of `workflows/plan/duration.ts` (`isDuration`) as a JSON Schema pattern. The
 * zod schema checks durations with a refinement, which JSON Schema cannot carry, so it is restated
 * here; `test/unit/json-schema.test.ts` checks that both agree.
 */
export const DURATION_PATTERN = '^(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d|w))+$';

/** Sub-schemas emitted once under `$defs` with these names and referenced everywhere they occur. */
const DEF_NAMES = new Map<z.core.$ZodType, string>([
  [DurationSchema, 'Duration'],
  [IdSchema, 'Id'],
  [RetrySchema, 'Retry'],
  [ShellExecutorSchema, 'ShellExecutor'],
  [HttpExecutorSchema, 'HttpExecutor'],
  [AgentExecutorSchema, 'AgentExecutor'],
  [SimulateExecutorSchema, 'SimulateExecutor'],
  [ExecutorSchema, 'Executor'],
  [MetricRuleSchema, 'MetricRule'],
  [CheckSchema, 'Check'],
  [ApprovalSchema, 'Approval'],
  [GateSchema, 'Gate'],
  [StepSchema, 'Step'],
  [DefaultsSchema, 'Defaults'],
  [PhasePlanSchema, 'PhasePlan'],
  [ProgramPlanSchema, 'ProgramPlan'],
]);

/**
 * The metadata zod reads while generating: the descriptions of the global registry (`.describe()`)
 * plus a `$defs` name for the schemas above. Only `get` is consulted by `z.toJSONSchema`; nothing
 * is added to the global registry.
 */
class NamedDefsRegistry extends z.core.$ZodRegistry<z.core.GlobalMeta> {
  override get<S extends z.core.$ZodType>(schema: S): z.core.GlobalMeta | undefined {
    const meta = z.globalRegistry.get(schema);
    const id = DEF_NAMES.get(schema);
    return id === undefined ? meta : { ...meta, id };
  }
}

/** The JSON Schema of the plan format as an object. */
export function planJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(PlanSchema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
    metadata: new NamedDefsRegistry(),
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema === DurationSchema) jsonSchema.pattern = DURATION_PATTERN;
    },
  }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: SCHEMA_ID,
    title: 'Phasegate plan',
    description:
      'A Phasegate plan file (YAML or JSON): a phase (tasks and gates with their needs) or a program (kind: program, an ordered list of phases). ' +
      'Generated from workflows/plan/schema.ts by `npm run schema`; `phase validate` checks the rules JSON Schema cannot express (references, cycles, metrics, quorum).',
    ...rest,
  };
}

/** The file's exact text: pretty-printed with two spaces and a trailing newline. */
export function planJsonSchemaText(): string {
  return `${JSON.stringify(planJsonSchema(), null, 2)}\n`;
}

/** Where `main` writes and how it reports; the defaults are the committed file and the console. */
export interface MainOptions {
  file?: string;
  log?: (line: string) => void;
  error?: (line: string) => void;
}

/**
 * Writes the schema file, or with `--check` compares it with freshly generated output. Returns the
 * process exit code: 0 written or up to date, 1 out of date or missing, 2 bad arguments.
 */
export function main(args: readonly string[], options: MainOptions = {}): number {
  const { file = SCHEMA_FILE, log = console.log, error = console.error } = options;
  const unknown = args.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    error(`gen-schema: unknown argument ${unknown.join(' ')} (usage: tsx scripts/gen-schema.ts [--check])`);
    return 2;
  }
  const text = planJsonSchemaText();
  const shown = relative(process.cwd(), file) || file;
  if (args.includes('--check')) {
    const committed = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    if (committed === text) {
      log(`${shown} is up to date`);
      return 0;
    }
    error(
      `${shown} is ${committed === undefined ? 'missing' : 'out of date with workflows/plan/schema.ts'}: run \`npm run schema\` and commit the result`,
    );
    return 1;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  log(`wrote ${shown}`);
  return 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
