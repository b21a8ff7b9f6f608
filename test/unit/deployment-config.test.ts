/**
 * The compose stack repeats facts the code owns (search attributes, env names, the Temporal
 * versions the dev server pins, ports); these tests keep the copies in line. A service that is
 * renamed or missing fails here rather than passing as "no environment".
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ALL_SEARCH_ATTRIBUTES, CLI_SEARCH_ATTRIBUTE_TYPE } from '../../workflows/search-attributes';
import { EnvSchema } from '../../config/env';
import { TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from '../../scripts/temporal-cli';

interface Service {
  image?: string;
  environment?: Record<string, unknown>;
  ports?: string[];
  healthcheck?: { test?: string[] };
}

const composeText = readFileSync(join(__dirname, '..', '..', 'temporal-docker', 'docker-compose.yml'), 'utf8');
const compose = parse(composeText, { merge: true }) as { services?: Record<string, Service> };

/** The service `name`; fails the test when the stack has none by that name. */
function service(name: string): Service {
  const s = compose.services?.[name];
  assert.ok(
    s,
    `docker-compose.yml has no service "${name}" (services: ${Object.keys(compose.services ?? {}).join(', ')})`,
  );
  return s;
}

/** A service's environment; fails when it has none (worker and api must be configured). */
function environment(name: string): Record<string, unknown> {
  const env = service(name).environment;
  assert.ok(env && Object.keys(env).length > 0, `service "${name}" has no environment`);
  return env;
}

/** `[host, container]` ports of each `ports:` entry (`[ip:]host:container`). */
function published(name: string): [number, number][] {
  return (service(name).ports ?? []).map((p) => {
    const parts = p.split(':');
    return [Number(parts.at(-2)), Number(parts.at(-1))];
  });
}

void describe('temporal-docker/docker-compose.yml', () => {
  it('registers exactly the search attributes the workflows use, with their types', () => {
    const line = composeText.split('\n').find((l) => l.includes('for attr in'));
    assert.ok(line, 'registration loop present');
    const registered = [...line.matchAll(/(\w+)=(\w+)/g)].map((m) => `${m[1]}=${m[2]}`).sort();
    const expected = ALL_SEARCH_ATTRIBUTES.map((k) => `${k.name}=${CLI_SEARCH_ATTRIBUTE_TYPE[k.type]}`).sort();
    assert.deepEqual(registered, expected);
  });

  it('passes only environment variables config/env.ts knows to worker and api', () => {
    const known = new Set(Object.keys(EnvSchema.shape));
    for (const name of ['worker', 'api']) {
      for (const key of Object.keys(environment(name)))
        assert.ok(known.has(key) || key === 'NODE_ENV', `${name}: ${key} is not read by config/env.ts`);
    }
  });

  it('runs the Temporal Server and UI versions the pinned dev server embeds', () => {
    assert.equal(service('temporal').image, `temporalio/auto-setup:${TEMPORAL_SERVER_VERSION}`);
    assert.equal(service('temporal-ui').image, `temporalio/ui:${TEMPORAL_UI_VERSION}`);
    assert.match(
      service('temporal-admin-tools').image ?? '',
      new RegExp(`^temporalio/admin-tools:${TEMPORAL_SERVER_VERSION.replace(/\./g, '\\.')}-`),
    );
  });

  it('publishes the ports the Phasegate processes are configured with', () => {
    const apiPort = Number(environment('api').PORT);
    assert.equal(apiPort, EnvSchema.shape.PORT.parse(undefined), 'the api listens on the default PORT');
    assert.deepEqual(published('api'), [[apiPort, apiPort]]);
    assert.ok(
      service('api').healthcheck?.test?.some((t) => t.includes(`127.0.0.1:${apiPort}/healthz`)),
      'the api healthcheck asks its own port',
    );
    const frontend = Number(String(environment('worker').TEMPORAL_ADDRESS).split(':').at(-1));
    assert.deepEqual(
      published('temporal'),
      [[frontend, frontend]],
      'the frontend is published on the port the workers dial',
    );
    const uiPort = Number(new URL(EnvSchema.shape.TEMPORAL_UI_URL.parse(undefined)).port);
    assert.deepEqual(
      published('temporal-ui'),
      [[uiPort, 8080]],
      'the UI is published where TEMPORAL_UI_URL points by default',
    );
  });
});
