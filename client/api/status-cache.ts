/**
 * Status reads that share work: every `GET /api/runs/:runId` (and MCP `get_run`) would otherwise be
 * its own workflow query, i.e. one workflow task on the worker each, so 300 readers polling one run
 * queue 300 tasks behind each other (bench: p99 2.3 s). Here identical reads in flight share one
 * query (single-flight), and an answer is reused for up to `maxAgeMs` (default 250 ms), saying how
 * old it is. A write through this API (Update, cancel) drops the run's entry, so whoever changed a
 * run reads the change at once.
 */
import type { AppDeps } from './deps';

/** How long a status answer is reused by default: below a person's perception, above a poller's burst. */
export const STATUS_MAX_AGE_MS = 250;
/** Runs remembered at most (oldest dropped first): bounds memory however many runs are read. */
export const STATUS_CACHE_ENTRIES = 2_000;

/** A status and how old it is: the time since its query was sent (the answer is at least that fresh). */
export interface CachedRead<T> {
  value: T;
  ageMs: number;
}

interface Entry<T> {
  /** `performance.now()` when the query was sent. */
  sentAt: number;
  value: Promise<T>;
  settled: boolean;
}

/** A single-flight, short-lived cache of one kind of read, keyed by run id (and any read options). */
export class StatusCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  /**
   * @param maxAgeMs how long an answer is reused; 0 still shares the reads in flight.
   * @param maxEntries how many keys are kept; the oldest is dropped first.
   * @param now clock in ms (tests pass a fake one).
   */
  constructor(
    readonly maxAgeMs = STATUS_MAX_AGE_MS,
    readonly maxEntries = STATUS_CACHE_ENTRIES,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * The value for `key`: the one in flight, else a settled one younger than `maxAgeMs`, else a
   * fresh `load()`. A failed load is shared by the reads that joined it but never reused: the next
   * read tries again. Rejects with whatever `load` rejected with.
   */
  async read(key: string, load: () => Promise<T>): Promise<CachedRead<T>> {
    let entry = this.entries.get(key);
    if (entry && entry.settled && this.now() - entry.sentAt > this.maxAgeMs) {
      this.entries.delete(key);
      entry = undefined;
    }
    if (!entry) entry = this.start(key, load);
    const value = await entry.value;
    return { value, ageMs: Math.max(0, Math.round(this.now() - entry.sentAt)) };
  }

  /** Forgets `key` (and every key starting with `key` + `?`, i.e. its paged reads). */
  invalidate(key: string): void {
    for (const k of this.entries.keys()) if (k === key || k.startsWith(`${key}?`)) this.entries.delete(k);
  }

  /** Keys held now (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  private start(key: string, load: () => Promise<T>): Entry<T> {
    const entry: Entry<T> = { sentAt: this.now(), value: Promise.resolve().then(load), settled: false };
    entry.value.then(
      () => (entry.settled = true),
      () => {
        // Errors are not reused: drop the entry (unless a newer one replaced it meanwhile).
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, entry);
    return entry;
  }
}

const caches = new WeakMap<AppDeps, StatusCache<unknown>>();

/** The status cache of one app (one per `AppDeps`, so two apps in one process never share answers). */
export function statusCacheOf(deps: AppDeps): StatusCache<unknown> {
  let cache = caches.get(deps);
  if (!cache) {
    cache = new StatusCache<unknown>();
    caches.set(deps, cache);
  }
  return cache;
}
