/**
 * The two long-running cluster programs besides PostgreSQL, as {@link DaemonSpec}s: how up.ts
 * starts them and how down.ts finds them again (same pid file, same binary).
 */
import { join } from 'node:path';
import type { ClusterSettings } from './config';
import type { DaemonSpec } from './daemons';

/**
 * The Temporal server with all four services (frontend, history, matching, worker) in one process.
 * It reads `<dataDir>/config/development.yaml`. `--allow-no-auth` states that no authorizer is
 * wanted (loopback only), which silences the server's warning about it.
 */
export function serverDaemon(s: ClusterSettings, bin: string): DaemonSpec {
  return {
    name: 'Temporal server',
    bin,
    args: [
      '--root',
      s.dataDir,
      '--config',
      'config',
      '--env',
      'development',
      '--allow-no-auth',
      'start',
      '--service',
      'frontend',
      '--service',
      'history',
      '--service',
      'matching',
      '--service',
      'worker',
    ],
    cwd: s.dataDir,
    pidFile: join(s.dataDir, 'temporal-server.pid'),
    logFile: join(s.logDir, 'temporal-server.log'),
  };
}

/** The standalone Temporal UI server, reading `<dataDir>/ui-config/development.yaml`. */
export function uiDaemon(s: ClusterSettings, bin: string): DaemonSpec {
  return {
    name: 'Temporal UI',
    bin,
    args: ['--root', s.dataDir, '--config', 'ui-config', '--env', 'development', 'start'],
    cwd: s.dataDir,
    pidFile: join(s.dataDir, 'temporal-ui.pid'),
    logFile: join(s.logDir, 'temporal-ui.log'),
  };
}
