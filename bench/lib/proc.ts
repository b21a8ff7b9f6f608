/** Memory of another process, read from `/proc/<pid>/status` (Linux). */
import { readFileSync } from 'node:fs';

/** Resident set size now and at its peak, in MiB. */
export interface Rss {
  rssMiB: number;
  peakMiB: number;
}

function field(status: string, name: string): number {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!m) throw new Error(`no ${name} in /proc status`);
  return Math.round((Number(m[1]) / 1024) * 10) / 10;
}

/** VmRSS and VmHWM of `pid`. */
export function rssOf(pid: number): Rss {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssMiB: field(status, 'VmRSS'), peakMiB: field(status, 'VmHWM') };
}
