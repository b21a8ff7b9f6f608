/**
 * Bundled plans: reading plan files (YAML or JSON) from the plans folder, validating them, and
 * resolving a program's phase ids into full phase plans before a run starts. Shared by the API,
 * the CLI and the tests, so a plan means the same thing everywhere.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { formatPath, validatePlan, type PlanError } from '../workflows/plan/validate';
import type { PhasePlan, Plan } from '../workflows/plan/schema';
import type { RunnablePlan } from './runs';

/** File extensions read as plans. */
export const PLAN_FILE_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

/** The file of the plans folder that declares schedules (`phase schedule apply`), not a plan. */
export const SCHEDULES_FILE = 'schedules.yaml';

/** The repository's own `plans/` folder (client/ is one level down from the root). */
export const BUNDLED_PLANS_DIR = resolve(__dirname, '..', 'plans');

/** The plans folder: `PHASEGATE_PLANS_DIR` when set, else the repository's `plans/`. */
export function plansDir(env: { PHASEGATE_PLANS_DIR?: string | undefined } = process.env): string {
  const fromEnv = env.PHASEGATE_PLANS_DIR;
  return fromEnv ? resolve(fromEnv) : BUNDLED_PLANS_DIR;
}

/** Text parsed into a value, or the parse problems with line and column in the message. */
export type ParsedText = { ok: true; value: unknown } | { ok: false; errors: PlanError[] };

/**
 * Parses plan text. JSON is read as JSON (for exact error positions) when the name ends in `.json`
 * or the text starts with `{`; everything else as YAML 1.2 (core schema: no implicit dates, so
 * `startAt` stays a string). Duplicate keys and alias bombs are errors, not silent surprises.
 */
export function parsePlanText(text: string, fileName = ''): ParsedText {
  // A plan document in prose (the markdown a plan is written *from*) is not a plan: one clear
  // message instead of a screenful of YAML errors about its headings and tables.
  if (
    /\.(md|markdown)$/i.test(fileName) ||
    (/^\s*#{1,6} \S/.test(text) && /\n\s*(#{1,6} |[-*] |\|)/.test(text) && parseDocument(text).errors.length > 0)
  ) {
    const heading = /^\s*#{1,6} (.+)$/m.exec(text)?.[1]?.trim();
    return {
      ok: false,
      errors: [
        {
          path: '',
          message: `not a YAML/JSON plan: this is a markdown document${heading ? ` ("${heading.slice(0, 80)}")` : ''}; write its steps as a YAML plan (see plans/*.yaml and schema/plan.schema.json)`,
        },
      ],
    };
  }
  const looksJson = fileName.toLowerCase().endsWith('.json') || /^\s*\{/.test(text);
  if (looksJson) {
    try {
      return { ok: true, value: JSON.parse(text) as unknown };
    } catch (err) {
      // A JSON-looking text that is not JSON may still be valid YAML flow syntax; only .json files are strict.
      if (fileName.toLowerCase().endsWith('.json'))
        return { ok: false, errors: [{ path: '', message: `malformed JSON: ${(err as Error).message}` }] };
    }
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      // The first errors locate the problem; the rest are usually its echoes.
      errors: doc.errors.slice(0, 5).map((e) => {
        const at = e.linePos?.[0];
        // Pretty errors carry the position (and a code excerpt we leave out) in the message itself.
        const what = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
        return { path: '', message: `malformed YAML${at ? ` at line ${at.line}, column ${at.col}` : ''}: ${what}` };
      }),
    };
  }
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: 100 }) as unknown };
  } catch (err) {
    return { ok: false, errors: [{ path: '', message: `malformed YAML: ${(err as Error).message}` }] };
  }
}

/** Result of reading and validating one plan file. */
export type PlanFileResult = { ok: true; plan: Plan; file: string } | { ok: false; errors: PlanError[]; file: string };

/**
 * Reads, parses and validates one plan file. `knownPlanIds` (bundled plan ids) lets a program's
 * phase ids be checked; without it they are checked when the run starts.
 */
export async function readPlanFile(file: string, knownPlanIds?: ReadonlySet<string>): Promise<PlanFileResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return {
      ok: false,
      file,
      errors: [
        { path: '', message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` },
      ],
    };
  }
  const parsed = parsePlanText(text, file);
  if (!parsed.ok) return { ok: false, file, errors: parsed.errors };
  const result = validatePlan(parsed.value, knownPlanIds);
  return result.ok ? { ok: true, plan: result.plan, file } : { ok: false, file, errors: result.errors };
}

/** A plan file of the catalog that could not be used, and why. */
export interface PlanFileProblem {
  file: string;
  errors: PlanError[];
}

/** The bundled plans of one folder. */
export interface PlanCatalog {
  dir: string;
  /** Valid plans by id. */
  plans: Map<string, Plan>;
  /** Files that failed to parse or validate (they are left out of `plans`). */
  problems: PlanFileProblem[];
}

/**
 * Loads every `*.yaml|yml|json` file of `dir`. Two passes: ids first, so that programs can name
 * phases defined in files read after them. A missing folder is an empty catalog, not an error.
 */
export async function loadPlanCatalog(dir: string): Promise<PlanCatalog> {
  let names: string[];
  try {
    names = (await readdir(dir))
      .filter(
        (n) => n !== SCHEDULES_FILE && (PLAN_FILE_EXTENSIONS as readonly string[]).includes(extname(n).toLowerCase()),
      )
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { dir, plans: new Map(), problems: [] };
    throw err;
  }
  const parsed: { file: string; value: unknown }[] = [];
  const problems: PlanFileProblem[] = [];
  for (const name of names) {
    const file = join(dir, name);
    const result = parsePlanText(await readFile(file, 'utf8'), name);
    if (result.ok) parsed.push({ file, value: result.value });
    else problems.push({ file, errors: result.errors });
  }
  const ids = new Set<string>();
  for (const { value } of parsed) {
    const id = (value as { id?: unknown } | null)?.id;
    if (typeof id === 'string') ids.add(id);
  }
  const plans = new Map<string, Plan>();
  for (const { file, value } of parsed) {
    const result = validatePlan(value, ids);
    if (!result.ok) problems.push({ file, errors: result.errors });
    else if (plans.has(result.plan.id))
      problems.push({
        file,
        errors: [
          {
            path: 'id',
            message: `duplicate plan id "${result.plan.id}" (also defined by another file in ${basename(dir)}/)`,
          },
        ],
      });
    else plans.set(result.plan.id, result.plan);
  }
  return { dir, plans, problems };
}

/** A plan resolved for running, or the problems with paths relative to the plan. */
export type ResolvedPlan = { ok: true; plan: RunnablePlan } | { ok: false; unknownIds: string[]; errors: PlanError[] };

/**
 * Turns a validated plan into what the engine runs: a phase as it is; a program with each phase id
 * replaced by that bundled phase plan. Unknown ids (and ids naming programs) are reported with
 * their path, e.g. `phases[2]`; `unknownIds` lists the ids that do not exist at all.
 */
export function resolvePlan(plan: Plan, catalog: Pick<PlanCatalog, 'plans'>): ResolvedPlan {
  if (plan.kind !== 'program') return { ok: true, plan };
  const errors: PlanError[] = [];
  const unknownIds: string[] = [];
  const phases: PhasePlan[] = [];
  plan.phases.forEach((phase, i) => {
    if (typeof phase !== 'string') {
      phases.push(phase);
      return;
    }
    const found = catalog.plans.get(phase);
    const path = formatPath(['phases', i]);
    if (!found) {
      unknownIds.push(phase);
      errors.push({ path, message: `no bundled plan "${phase}"` });
    } else if (found.kind === 'program') {
      errors.push({ path, message: `"${phase}" is a program; a program's phases are phase plans` });
    } else {
      phases.push(found);
    }
  });
  if (errors.length > 0) return { ok: false, unknownIds, errors };
  return { ok: true, plan: { ...plan, phases } };
}
