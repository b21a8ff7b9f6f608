/**
 * Metric extraction shared by the executors: `::metric name=value` lines a command prints, and the
 * task's `metrics:` regex rules applied to its output. Pure functions, no I/O.
 *
 * Values are bounded so a chatty command cannot bloat the workflow history: at most
 * {@link MAX_METRICS} metrics per attempt, string values cut to {@link MAX_METRIC_STRING} characters.
 */
import { RE2JS } from 're2js';
import type { MetricRule } from '../workflows/plan/schema';
import type { MetricValue } from '../workflows/status';

/** Most metrics one attempt may report; further names are dropped (existing names still update). */
export const MAX_METRICS = 256;

/** Longest string metric value kept, in characters; longer values are cut. */
export const MAX_METRIC_STRING = 1024;

/** Where a rule's regex looks: a shell attempt's output streams or an http response body. */
export type MetricSources = Partial<Record<NonNullable<MetricRule['from']>, string>>;

// A plain decimal or scientific number, nothing else: "0x10", "", "1_000", "Infinity" stay strings.
const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

// `::metric name=value`; the name follows the plan's metric-name rule, the value is the rest of the line.
const METRIC_LINE = /^\s*::metric\s+([A-Za-z_][A-Za-z0-9_-]*)\s*=(.*)$/;

/**
 * Converts raw text to a metric value: a finite number when the (trimmed) text is a plain decimal
 * or scientific number, `true`/`false` as booleans, anything else as the trimmed string (cut to
 * {@link MAX_METRIC_STRING}).
 */
export function toMetricValue(raw: string): MetricValue {
  const text = raw.trim();
  if (NUMERIC.test(text)) {
    const n = Number(text);
    if (Number.isFinite(n)) return n;
  }
  if (text === 'true') return true;
  if (text === 'false') return false;
  return text.length > MAX_METRIC_STRING ? text.slice(0, MAX_METRIC_STRING) : text;
}

/**
 * Parses one line of output; returns `[name, value]` for a `::metric name=value` line (leading
 * whitespace allowed), otherwise `undefined`. A trailing `\r` is ignored.
 */
export function parseMetricLine(line: string): [string, MetricValue] | undefined {
  const m = METRIC_LINE.exec(line.replace(/\r$/, ''));
  if (!m) return undefined;
  return [m[1] as string, toMetricValue(m[2] as string)];
}

/**
 * Every `::metric name=value` line in `text`. When a name appears more than once the last line
 * wins (a command may report progress and then the final figure).
 */
export function parseMetricLines(text: string): Record<string, MetricValue> {
  const out: Record<string, MetricValue> = {};
  for (const line of text.split('\n')) {
    const parsed = parseMetricLine(line);
    if (parsed) setMetric(out, parsed[0], parsed[1]);
  }
  return out;
}

/**
 * Applies the task's regex rules to the sources. For each rule with a `regex`, the text of its
 * `from` source (default `stdout`) is searched with RE2 semantics, multi-line (so `^`/`$` match at
 * line boundaries), and the **last** match wins — output usually ends with the final figure after
 * intermediate ones. The value is the first capture group when the regex has one (and it took
 * part in the match), else the whole match, converted by {@link toMetricValue}.
 *
 * A rule whose regex does not match, whose source is absent (e.g. `from: body` on a shell task),
 * or whose regex does not compile yields no entry: the metric is simply absent, and a gate check
 * reading it sees it missing. Rules without a regex (`{}`) are metrics the executor reports itself
 * and are skipped here.
 */
export function extractMetrics(rules: Record<string, MetricRule>, sources: MetricSources): Record<string, MetricValue> {
  const out: Record<string, MetricValue> = {};
  for (const [name, rule] of Object.entries(rules)) {
    if (rule.regex === undefined) continue;
    const text = sources[rule.from ?? 'stdout'];
    if (text === undefined) continue;
    const raw = lastMatch(rule.regex, text);
    if (raw !== undefined) setMetric(out, name, toMetricValue(raw));
  }
  return out;
}

/** Compiled rule regexes: a plan's few regexes are compiled once per worker, not per attempt. */
const compiled = new Map<string, RE2JS | null>();

/**
 * Compiles a rule's regex with RE2 semantics (linear time in the input: no catastrophic
 * backtracking, so a plan cannot stall the worker; no backreferences or lookaround), multi-line
 * (`^`/`$` at line boundaries). Returns null when RE2 cannot compile it.
 */
export function compileMetricRegex(source: string): RE2JS | null {
  let re = compiled.get(source);
  if (re === undefined) {
    try {
      re = RE2JS.compile(source, RE2JS.MULTILINE);
    } catch {
      re = null;
    }
    if (compiled.size >= 1_000) compiled.clear();
    compiled.set(source, re);
  }
  return re;
}

/** The first group (when the regex has one and it matched) or the whole match of the last match in `text`. */
function lastMatch(source: string, text: string): string | undefined {
  const re = compileMetricRegex(source);
  if (!re) return undefined; // the plan validator rejects these; never fail an attempt over it
  const m = re.matcher(text);
  let raw: string | undefined;
  while (m.find()) raw = (re.groupCount() > 0 ? m.group(1) : null) ?? m.group(0) ?? undefined;
  return raw;
}

/**
 * Keeps the metric values of a JSON object (e.g. an http response's `metrics`): finite numbers,
 * strings (cut to {@link MAX_METRIC_STRING}) and booleans. Other values (objects, arrays, null) are
 * dropped; a non-object yields `{}`.
 */
export function pickMetricValues(value: unknown): Record<string, MetricValue> {
  const out: Record<string, MetricValue> = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return out;
  for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'number' && Number.isFinite(v)) setMetric(out, name, v);
    else if (typeof v === 'boolean') setMetric(out, name, v);
    else if (typeof v === 'string')
      setMetric(out, name, v.length > MAX_METRIC_STRING ? v.slice(0, MAX_METRIC_STRING) : v);
  }
  return out;
}

/**
 * Merges metric sets left to right: a later set overrides an earlier one name by name. The
 * executors pass what the task reported itself first and the regex rules last, so a declared rule
 * that matches wins, while one that does not match leaves a reported value in place.
 * The result holds at most {@link MAX_METRICS} names.
 */
export function mergeMetrics(...sets: Record<string, MetricValue>[]): Record<string, MetricValue> {
  const out: Record<string, MetricValue> = {};
  for (const set of sets) for (const [k, v] of Object.entries(set)) setMetric(out, k, v);
  return out;
}

/**
 * Adds or updates one metric in `target`, enforcing {@link MAX_METRICS}. Names such as `__proto__`
 * are stored as plain own properties, never touching the prototype.
 */
export function setMetric(target: Record<string, MetricValue>, name: string, value: MetricValue): void {
  const exists = Object.prototype.hasOwnProperty.call(target, name);
  if (!exists && Object.keys(target).length >= MAX_METRICS) return;
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}
