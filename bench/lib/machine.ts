/** Where and with what the benchmark ran: machine, versions, load. */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { ensureTemporalCli } from '../../scripts/temporal-cli';

const ROOT = join(__dirname, '..', '..');

/** Machine and software the run used. */
export interface MachineInfo {
  os: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  temporalSdk: string;
  temporalCli: string;
  commit: string | null;
}

function pkgVersion(name: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
    .version;
}

/** Collects {@link MachineInfo}. Read-only: nothing here changes the checkout. */
export function machineInfo(): MachineInfo {
  const cli = spawnSync(ensureTemporalCli(), ['--version'], { encoding: 'utf8' });
  let commit: string | null = null;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    // not a git checkout
  }
  return {
    os: `${type()} ${release()}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    temporalSdk: pkgVersion('@temporalio/worker'),
    temporalCli: (cli.stdout ?? '').trim().replace(/^temporal version /, ''),
    commit,
  };
}

/** The 1-minute load average, rounded: benchmarks on a shared machine must say how busy it was. */
export function load1(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100;
}
