/**
 * The cluster's generated config, without a cluster: ports derive from the frontend port, stay on
 * loopback and never collide (also with the dev server's), and the YAML has what the server reads.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { clusterSettings, dynamicConfigYaml, serverConfigYaml, uiConfigYaml } from '../../scripts/cluster/config';

interface Rpc {
  grpcPort: number;
  membershipPort: number;
  bindOnIP: string;
  httpPort?: number;
}

describe('cluster config', () => {
  it('derives every port from the frontend port, all distinct and clear of the dev server', () => {
    for (const env of [
      {},
      { PHASEGATE_CLUSTER_FRONTEND_PORT: '9100', PHASEGATE_CLUSTER_PG_PORT: '6000', PHASEGATE_CLUSTER_UI_PORT: '9200' },
    ]) {
      const s = clusterSettings(env);
      const services = (parse(serverConfigYaml(s)) as { services: Record<string, { rpc: Rpc }> }).services;
      assert.deepEqual(Object.keys(services).sort(), ['frontend', 'history', 'matching', 'worker']);
      const ports = [
        s.pgPort,
        s.uiPort,
        ...Object.values(services).flatMap(({ rpc }) => [
          rpc.grpcPort,
          rpc.membershipPort,
          ...(rpc.httpPort ? [rpc.httpPort] : []),
        ]),
      ];
      assert.equal(new Set(ports).size, ports.length, `distinct: ${ports.join(', ')}`);
      for (const dev of [7233, 8233]) assert.ok(!ports.includes(dev), `dev server port ${dev} left free`);
      for (const { rpc } of Object.values(services)) assert.equal(rpc.bindOnIP, '127.0.0.1');
    }
    assert.equal(clusterSettings({ PHASEGATE_CLUSTER_FRONTEND_PORT: '9100' }).frontendPort, 9100);
  });

  it('rejects a port that is not a number in range', () => {
    assert.throws(() => clusterSettings({ PHASEGATE_CLUSTER_PG_PORT: 'abc' }), /PHASEGATE_CLUSTER_PG_PORT=abc/);
    assert.throws(() => clusterSettings({ PHASEGATE_CLUSTER_FRONTEND_PORT: '80' }), /between 1025 and 65000/);
  });

  it('points both stores at PostgreSQL and the UI at the frontend', () => {
    const s = clusterSettings({});
    const cfg = parse(serverConfigYaml(s)) as {
      persistence: {
        defaultStore: string;
        visibilityStore: string;
        datastores: Record<string, { sql: { pluginName: string; databaseName: string; connectAddr: string } }>;
      };
      dynamicConfigClient: { filepath: string };
    };
    const stores = cfg.persistence.datastores;
    assert.equal(stores[cfg.persistence.defaultStore]?.sql.databaseName, 'temporal');
    assert.equal(stores[cfg.persistence.visibilityStore]?.sql.databaseName, 'temporal_visibility');
    for (const store of Object.values(stores)) {
      assert.equal(store.sql.pluginName, 'postgres12');
      assert.equal(store.sql.connectAddr, `127.0.0.1:${s.pgPort}`);
    }
    assert.equal(cfg.dynamicConfigClient.filepath, s.dynamicConfigFile);
    assert.equal(
      (parse(dynamicConfigYaml()) as Record<string, Array<{ value: unknown }>>)[
        'frontend.enableUpdateWorkflowExecution'
      ]?.[0]?.value,
      true,
    );
    assert.equal(
      (parse(uiConfigYaml(s)) as { temporalGrpcAddress: string }).temporalGrpcAddress,
      `127.0.0.1:${s.frontendPort}`,
    );
  });
});
