/**
 * Summarizes V8 `.cpuprofile` files (from `node --cpu-prof`): self time per function and per
 * package, busy vs idle, so a profile can be quoted in ANALYSIS.md without a flame-graph viewer.
 * Run: `npx tsx bench/experiments/cpuprofile-summary.ts <file.cpuprofile>… [--top=25] [--skip-ms=5000]`
 * (`--skip-ms` leaves out the process's start-up). Native functions count for their caller's package.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** One node of a V8 CPU profile. */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

/** The `.cpuprofile` document. */
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One row of the summary: a function (or package) and its self time. */
export interface SelfRow {
  name: string;
  ms: number;
  share: number;
}

/** Where a script lives, shortened: `node_modules/<pkg>` or the project-relative path. */
function where(url: string): string {
  if (!url) return '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1] as string;
  if (url.startsWith('node:')) return url;
  const m = /\/work\/main\/(.*)$/.exec(url.replace(/^file:\/\//, ''));
  return m ? (m[1] as string) : url.replace(/^file:\/\//, '');
}

/**
 * Self time per node id (µs), from the sample stream (more exact than hitCount × interval),
 * leaving out the first `skipMs` of the profile (process start-up: module loading, compiling).
 */
function selfTimes(p: CpuProfile, skipMs: number): Map<number, number> {
  const self = new Map<number, number>();
  let at = 0;
  for (let i = 0; i < p.samples.length; i++) {
    at += p.timeDeltas[i] ?? 0;
    if (at < skipMs * 1000) continue;
    const id = p.samples[i] as number;
    self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0));
  }
  return self;
}

/** For each node, the package of its nearest ancestor with a script (native calls count for their caller). */
function owners(p: CpuProfile): Map<number, string> {
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const out = new Map<number, string>();
  for (const n of p.nodes) {
    let cur: ProfileNode | undefined = n;
    while (cur && !cur.callFrame.url && !cur.callFrame.functionName.startsWith('('))
      cur = byId.get(parent.get(cur.id) ?? -1);
    out.set(n.id, cur ? (cur.callFrame.url ? where(cur.callFrame.url) : cur.callFrame.functionName) : '(native)');
  }
  return out;
}

/** Self time by function and by package, busy share, of one profile. */
export function summarizeProfile(
  p: CpuProfile,
  top = 25,
  skipMs = 0,
): { wallMs: number; busyMs: number; functions: SelfRow[]; packages: SelfRow[] } {
  const self = selfTimes(p, skipMs);
  const owner = owners(p);
  const byFn = new Map<string, number>();
  const byPkg = new Map<string, number>();
  let idle = 0;
  let total = 0;
  for (const node of p.nodes) {
    const us = self.get(node.id) ?? 0;
    total += us;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') {
      if (functionName === '(idle)') idle += us;
    }
    if (functionName === '(idle)') continue;
    const fn = `${functionName || '(anonymous)'} ${where(url)}${url ? `:${lineNumber + 1}` : ''}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + us);
    const pkg = owner.get(node.id) ?? '(native)';
    byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + us);
  }
  const busy = total - idle;
  const rows = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({
        name,
        ms: Math.round(us / 100) / 10,
        share: Math.round((us / (busy || 1)) * 1000) / 10,
      }));
  return {
    wallMs: Math.round((p.endTime - p.startTime) / 1000 - skipMs),
    busyMs: Math.round(busy / 1000),
    functions: rows(byFn),
    packages: rows(byPkg),
  };
}

/** Buckets of packages, to say what share of a process's CPU each layer takes. */
const CATEGORIES: [string, RegExp][] = [
  [
    'Temporal client + gRPC + protobuf (the start itself)',
    /^(@temporalio|@grpc|protobufjs|long|node:internal\/http2|node:http2)/,
  ],
  [
    'HTTP server + Express + body parsing',
    /^(express|router|body-parser|raw-body|finalhandler|send|on-finished|type-is|content-type|qs|iconv-lite|media-typer|mime|accepts|negotiator|statuses|depd|node:_http|node:http$|node:internal\/http$|node:net|node:internal\/stream_base_commons|node:internal\/streams|node:stream)/,
  ],
  [
    'logging (pino + writes)',
    /^(pino|sonic-boom|thread-stream|fast-redact|quick-format|atomic-sleep|on-exit-leak-free|safe-stable-stringify|node:fs$|client\/api\/logging)/,
  ],
  ['zod', /^zod/],
  [
    'rate limit, auth, guards',
    /^(express-rate-limit|helmet|node:internal\/crypto|client\/api\/(overload|guard|auth|run-guard))/,
  ],
  ['metrics (prom-client)', /^(prom-client|tdigest|bintrees|client\/api\/metrics)/],
  [
    'async hooks / promises / ticks',
    /^(node:async_hooks|node:internal\/async_hooks|node:internal\/process\/task_queues|node:internal\/promise_hooks)/,
  ],
  ['GC', /^\(garbage collector\)/],
  ['other Phasegate code', /^(client|workflows|config)\//],
];

/** Self time per category (packages not matched go to "other"). */
export function categorize(packages: SelfRow[]): SelfRow[] {
  const out = new Map<string, number>();
  for (const p of packages) {
    const name = CATEGORIES.find(([, re]) => re.test(p.name))?.[0] ?? 'other';
    out.set(name, (out.get(name) ?? 0) + p.ms);
  }
  const total = packages.reduce((a, p) => a + p.ms, 0) || 1;
  return [...out.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([name, ms]) => ({ name, ms: Math.round(ms), share: Math.round((ms / total) * 1000) / 10 }));
}

function main(): void {
  const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const top = Number(process.argv.find((a) => a.startsWith('--top='))?.slice(6) ?? 25);
  const skipMs = Number(process.argv.find((a) => a.startsWith('--skip-ms='))?.slice(10) ?? 0);
  for (const file of files) {
    const s = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, top, skipMs);
    console.log(
      `\n## ${basename(file)}: wall ${s.wallMs} ms, busy ${s.busyMs} ms (${Math.round((s.busyMs / (s.wallMs || 1)) * 100)} %)`,
    );
    console.log('\n| self ms | % of busy | layer |\n|---:|---:|---|');
    for (const r of categorize(
      summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, 100_000, skipMs).packages,
    ))
      console.log(`| ${r.ms} | ${r.share} | ${r.name} |`);
    console.log('\n| self ms | % of busy | package |\n|---:|---:|---|');
    for (const r of s.packages.slice(0, 16)) console.log(`| ${r.ms} | ${r.share} | ${r.name} |`);
    console.log('\n| self ms | % of busy | function |\n|---:|---:|---|');
    for (const r of s.functions) console.log(`| ${r.ms} | ${r.share} | \`${r.name}\` |`);
  }
}

if (require.main === module) main();
