/**
 * The compose stack repeats facts the code owns (search attributes, env names); these tests keep
 * the copies in line.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ALL_SEARCH_ATTRIBUTES, CLI_SEARCH_ATTRIBUTE_TYPE } from '../../workflows/search-attributes';
import { EnvSchema } from '../../config/env';

const composeText = readFileSync(join(__dirname, '..', '..', 'temporal-docker', 'docker-compose.yml'), 'utf8');
const compose = parse(composeText, { merge: true }) as { services: Record<string, { environment?: Record<string, unknown> }> };

describe('temporal-docker/docker-compose.yml', () => {
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
      const env = compose.services[name]?.environment ?? {};
      for (const key of Object.keys(env)) assert.ok(known.has(key) || key === 'NODE_ENV', `${name}: ${key} is not read by config/env.ts`);
    }
  });
});
