/** Plans printed in ../shared/design/SPEC.md, as objects, for tests of the validator and the JSON Schema. */

type Obj = Record<string, unknown>;

/** The SPEC §2 phase example, copied verbatim from the YAML as an object (a fresh copy per call). */
export function specExample(): Obj {
  return {
    id: 'phase-7-release',
    title: 'Phase 7 – Release readiness',
    deadline: '6h',
    maxParallel: 3,
    escalateAfter: '15m',
    defaults: {
      retry: { maximumAttempts: 3, initialInterval: '1s', backoffCoefficient: 2 },
      timeout: '2h',
    },
    steps: [
      {
        id: 'build-infra',
        title: 'sccache integration, build time optimization',
        agent: 'cicd-engineer',
        run: { kind: 'shell', command: ['npm', 'run', 'build'], cwd: '.', timeout: '20m' },
        retry: { maximumAttempts: 2 },
        heartbeat: '30s',
        rollback: { kind: 'shell', command: ['git', 'checkout', '--', 'build.config'] },
        metrics: {
          build_seconds: { from: 'stdout', regex: 'built in ([0-9.]+)s' },
        },
      },
      {
        id: 'code-quality',
        agent: 'reviewer',
        run: { kind: 'agent' },
      },
      {
        id: 'release-prep',
        agent: 'planner',
        needs: ['code-quality'],
        run: { kind: 'http', url: 'http://127.0.0.1:9000/release', method: 'POST' },
      },
      {
        id: 'release-gate',
        gate: {
          needs: ['build-infra', 'release-prep'],
          checks: [
            { metric: 'code-quality.clippy_warnings', op: '<', value: 20 },
            { metric: 'code-quality.tests_passed_ratio', op: '>=', value: 0.95 },
          ],
          onCheckFailure: 'no-go',
          approval: {
            approvers: ['release-manager', 'cto'],
            quorum: 1,
            timeout: '24h',
            onTimeout: 'no-go',
          },
        },
      },
    ],
  };
}
