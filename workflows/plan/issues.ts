/**
 * Turns the schema library's issues into plan problems people can act on: each unknown key with a
 * "did you mean" from the keys allowed at that path, a misspelt `kind` with its guess *and* the
 * other problems of the same block (checked as the guessed kind), union failures explained by the
 * branch that fits the value's type, and plain wording for missing, mistyped and out-of-range values.
 */
import type { z } from 'zod';
import {
  closest,
  tooBigMessage,
  tooSmallMessage,
  unknownKeyMessage,
  unknownValueMessage,
  wrongTypeMessage,
} from './hints';

/** One problem, path as `steps[2].run.kind`. */
export interface Problem {
  path: string;
  message: string;
}

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];
type AnySchema = z.core.$ZodType;

/** Formats a path as `a.b[2].c`. */
export function formatIssuePath(path: Path): string {
  let out = '';
  for (const part of path)
    out += typeof part === 'number' ? `[${part}]` : out === '' ? String(part) : `.${String(part)}`;
  return out;
}

function defOf(s: AnySchema): Record<string, unknown> & { type: string } {
  return (s as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
}

/** The schema with wrappers (optional, default, pipe, lazy …) removed. */
function unwrap(s: AnySchema): AnySchema {
  for (let i = 0; i < 20; i++) {
    const def = defOf(s);
    if (['optional', 'nullable', 'default', 'readonly', 'catch', 'prefault', 'nonoptional'].includes(def.type))
      s = def.innerType as AnySchema;
    else if (def.type === 'pipe') s = def.in as AnySchema;
    else if (def.type === 'lazy') s = (def.getter as () => AnySchema)();
    else return s;
  }
  return s;
}

function objectShape(s: AnySchema): Record<string, AnySchema> | undefined {
  const def = defOf(unwrap(s));
  return def.type === 'object' ? (def.shape as Record<string, AnySchema>) : undefined;
}

/** The union branch that fits `value`: by discriminator when it has one, else the first object branch. */
function branchFor(s: AnySchema, value: unknown): AnySchema | undefined {
  const def = defOf(s);
  const options = (def.options as AnySchema[]) ?? [];
  const disc = def.discriminator as string | undefined;
  if (disc && value && typeof value === 'object') {
    const want = (value as Record<string, unknown>)[disc];
    return options.find((o) => {
      const lit = objectShape(o)?.[disc];
      return lit !== undefined && ((defOf(unwrap(lit)).values as unknown[]) ?? []).includes(want);
    });
  }
  const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
  return options.find((o) => (objectShape(o) !== undefined) === isObject);
}

/** The schema at `path` inside `root`, following `input` to pick union branches. */
function schemaAt(root: AnySchema, path: Path, input: unknown): AnySchema | undefined {
  let s: AnySchema | undefined = root;
  let value = input;
  for (const key of path) {
    if (!s) return undefined;
    s = unwrap(s);
    if (defOf(s).type === 'union') s = branchFor(s, value);
    if (!s) return undefined;
    const def = defOf(unwrap(s));
    if (def.type === 'object') s = (def.shape as Record<string, AnySchema>)[String(key)];
    else if (def.type === 'array') s = def.element as AnySchema;
    else if (def.type === 'record') s = def.valueType as AnySchema;
    else return undefined;
    value =
      value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key as string] : undefined;
  }
  if (s && defOf(unwrap(s)).type === 'union') return branchFor(unwrap(s), value) ?? s;
  return s;
}

function valueAt(input: unknown, path: Path): unknown {
  let v = input;
  for (const key of path)
    v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key as string] : undefined;
  return v;
}

function lastKey(path: Path): string {
  const named = [...path].reverse().find((p) => typeof p === 'string');
  return named === undefined ? 'value' : String(named);
}

/** A misspelt discriminator: say so, and check the rest of the block as the kind it most likely is. */
function discriminatorProblems(
  issue: Extract<Issue, { code: 'invalid_union' }>,
  root: AnySchema,
  input: unknown,
  prefix: Path,
): Problem[] {
  const path = issue.path;
  const options = ((issue as { options?: unknown[] }).options ?? []).map(String);
  const discriminator = String((issue as { discriminator?: unknown }).discriminator ?? lastKey(path));
  const value = valueAt(input, path);
  const out: Problem[] = [
    { path: formatIssuePath([...prefix, ...path]), message: unknownValueMessage(discriminator, value, options) },
  ];
  const guess = typeof value === 'string' ? closest(value, options) : undefined;
  const blockPath = path.slice(0, -1);
  const block = valueAt(input, blockPath);
  const union = schemaAt(root, blockPath.slice(0, -1), input);
  const field = blockPath[blockPath.length - 1];
  const blockSchema = union && field !== undefined ? objectShape(union)?.[String(field)] : undefined;
  if (!guess || !blockSchema || !block || typeof block !== 'object') return out;
  const retry = { ...(block as Record<string, unknown>), [discriminator]: guess };
  const parsed = (blockSchema as unknown as z.ZodType).safeParse(retry);
  if (!parsed.success)
    out.push(...issuesToPlanProblems(parsed.error.issues, blockSchema, retry, [...prefix, ...blockPath]));
  return out;
}

/** The issues of the union branch that fits the value's type (a phase id string vs an inline phase). */
function unionProblems(
  issue: Extract<Issue, { code: 'invalid_union' }>,
  root: AnySchema,
  input: unknown,
  prefix: Path,
): Problem[] {
  const value = valueAt(input, issue.path);
  const branches = issue.errors ?? [];
  const fits = branches.find((list) => !list.some((i) => i.code === 'invalid_type' && i.path.length === 0));
  const schema = schemaAt(root, issue.path, input);
  if (!fits || !schema)
    return [
      {
        path: formatIssuePath([...prefix, ...issue.path]),
        message: `${lastKey(issue.path)} is not valid here: got ${value === undefined ? 'nothing' : typeof value}`,
      },
    ];
  return issuesToPlanProblems(fits, schema, value, [...prefix, ...issue.path]);
}

function messageFor(issue: Issue, input: unknown): string {
  const name = lastKey(issue.path);
  const value = valueAt(input, issue.path);
  switch (issue.code) {
    case 'invalid_type':
      return `${name} ${wrongTypeMessage(issue.expected, value)}`;
    case 'too_small':
      return `${name} ${tooSmallMessage(issue.origin, issue.minimum, issue.inclusive !== false)}`;
    case 'too_big':
      return `${name} ${tooBigMessage(issue.origin, issue.maximum, issue.inclusive !== false)}`;
    case 'invalid_value':
      return unknownValueMessage(name, value, issue.values.map(String));
    case 'invalid_key':
      return issue.issues[0]?.message ?? issue.message;
    default:
      return issue.message;
  }
}

/**
 * Plan problems for `issues` raised by parsing `input` with `root`; `prefix` is prepended to every
 * path (for a block checked on its own).
 */
export function issuesToPlanProblems(
  issues: readonly Issue[],
  root: AnySchema,
  input: unknown,
  prefix: Path = [],
): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const allowed = Object.keys(objectShape(schemaAt(root, issue.path, input) ?? root) ?? {});
      for (const key of issue.keys)
        out.push({ path: formatIssuePath([...prefix, ...issue.path, key]), message: unknownKeyMessage(key, allowed) });
    } else if (issue.code === 'invalid_union' && (issue as { discriminator?: unknown }).discriminator !== undefined) {
      out.push(...discriminatorProblems(issue, root, input, prefix));
    } else if (issue.code === 'invalid_union') {
      out.push(...unionProblems(issue, root, input, prefix));
    } else {
      out.push({ path: formatIssuePath([...prefix, ...issue.path]), message: messageFor(issue, input) });
    }
  }
  return out;
}
