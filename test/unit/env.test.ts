/**
 * The environment (config/env.ts): defaults, each value's shape, the Temporal connection settings
 * checked together (certificate and key, files that must exist, TLS contradictions) with one line
 * per bad variable; the connection options built from them; and the one table of
 * docs/configuration.md, which must be exactly the generated one and list every variable the code reads.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { EnvSchema, parseEnv } from '../../config/env';
import { ENV_DOCS, EXTRA_ENV_DOCS, renderEnvTable } from '../../config/env-docs';
import { temporalConnectionOptions } from '../../config/temporal';

const ROOT = join(__dirname, '..', '..');

/** The problem lines of a failed parse, or [] when it passes. */
function problems(source: Record<string, string>): string[] {
  try {
    parseEnv(source);
    return [];
  } catch (err) {
    return (err as Error).message
      .split('\n')
      .slice(1)
      .map((l) => l.trim());
  }
}

/** A folder with a cert, a key and a CA file, removed after `fn`. */
function withTlsFiles(fn: (files: { cert: string; key: string; ca: string; dir: string }) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'phasegate-env-'));
  try {
    const files = { cert: join(dir, 'client.pem'), key: join(dir, 'client.key'), ca: join(dir, 'ca.pem'), dir };
    writeFileSync(files.cert, 'CERT');
    writeFileSync(files.key, 'KEY');
    writeFileSync(files.ca, 'CA');
    fn(files);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('parseEnv', () => {
  it('applies the defaults; empty strings count as unset', () => {
    const env = parseEnv({ PORT: '', TEMPORAL_ADDRESS: '' });
    assert.equal(env.TEMPORAL_ADDRESS, '127.0.0.1:7233');
    assert.equal(env.PORT, 3000);
    assert.equal(env.TEMPORAL_TLS, false);
    assert.equal(env.PHASEGATE_OTEL, false);
    assert.equal(env.PHASEGATE_WORKER_METRICS, undefined);
  });

  it('reads the observability variables', () => {
    const env = parseEnv({
      PHASEGATE_WORKER_METRICS: '0.0.0.0:9464',
      PHASEGATE_OTEL: 'yes',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      PHASEGATE_METRICS_TOKEN: 'm',
    });
    assert.equal(env.PHASEGATE_WORKER_METRICS, '0.0.0.0:9464');
    assert.equal(env.PHASEGATE_OTEL, true);
    assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://collector:4318');
    assert.equal(env.PHASEGATE_METRICS_TOKEN, 'm');
  });

  it('wants host:port for TEMPORAL_ADDRESS and PHASEGATE_WORKER_METRICS', () => {
    for (const ok of ['localhost:7233', 'ns.a1b2c.tmprl.cloud:7233', '[::1]:7233', '10.0.0.5:65535'])
      assert.deepEqual(problems({ TEMPORAL_ADDRESS: ok }), [], ok);
    assert.deepEqual(problems({ TEMPORAL_ADDRESS: 'ns.a1b2c.tmprl.cloud' }), [
      'TEMPORAL_ADDRESS: expected host:port, e.g. my-namespace.a1b2c.tmprl.cloud:7233',
    ]);
    assert.deepEqual(problems({ TEMPORAL_ADDRESS: 'http://temporal:7233' }), [
      'TEMPORAL_ADDRESS: expected host:port, e.g. my-namespace.a1b2c.tmprl.cloud:7233',
    ]);
    assert.deepEqual(problems({ TEMPORAL_ADDRESS: 'temporal:70000' }), [
      'TEMPORAL_ADDRESS: port must be at most 65535',
    ]);
    assert.deepEqual(problems({ PHASEGATE_WORKER_METRICS: '9464' }), [
      'PHASEGATE_WORKER_METRICS: expected host:port, e.g. 127.0.0.1:9464',
    ]);
  });

  it('wants an http(s) OTLP endpoint and a known boolean for PHASEGATE_OTEL', () => {
    assert.deepEqual(problems({ OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317' }), [
      'OTEL_EXPORTER_OTLP_ENDPOINT: expected an http(s) URL, e.g. http://localhost:4318',
    ]);
    assert.equal(problems({ PHASEGATE_OTEL: 'on' }).length, 1);
    assert.match(problems({ PHASEGATE_OTEL: 'on' })[0] as string, /^PHASEGATE_OTEL: /);
  });

  it('a client certificate without its key (and the reverse) names both variables', () => {
    withTlsFiles(({ cert, key }) => {
      assert.deepEqual(problems({ TEMPORAL_TLS_CERT_PATH: cert }), [
        'TEMPORAL_TLS_KEY_PATH: required when TEMPORAL_TLS_CERT_PATH is set: a client certificate needs its private key',
      ]);
      assert.deepEqual(problems({ TEMPORAL_TLS_KEY_PATH: key }), [
        'TEMPORAL_TLS_CERT_PATH: required when TEMPORAL_TLS_KEY_PATH is set: a private key needs its client certificate',
      ]);
      assert.deepEqual(problems({ TEMPORAL_TLS_CERT_PATH: cert, TEMPORAL_TLS_KEY_PATH: key }), []);
    });
  });

  it('files that do not exist (or are folders) are named by their variable', () => {
    withTlsFiles(({ cert, dir }) => {
      const missing = join(dir, 'nope.key');
      assert.deepEqual(
        problems({ TEMPORAL_TLS_CERT_PATH: cert, TEMPORAL_TLS_KEY_PATH: missing, TEMPORAL_TLS_CA_PATH: dir }),
        [`TEMPORAL_TLS_KEY_PATH: file not found: ${missing}`, `TEMPORAL_TLS_CA_PATH: ${dir} is not a file`],
      );
    });
  });

  it('refuses TLS settings or an API key with TEMPORAL_TLS=false', () => {
    assert.deepEqual(problems({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' }), [
      'TEMPORAL_TLS: is false, but TEMPORAL_API_KEY needs TLS: unset TEMPORAL_TLS or remove them',
    ]);
    assert.deepEqual(problems({ TEMPORAL_TLS: '0', TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' }), [
      'TEMPORAL_TLS: is 0, but TEMPORAL_TLS_SERVER_NAME needs TLS: unset TEMPORAL_TLS or remove them',
    ]);
    assert.deepEqual(problems({ TEMPORAL_TLS: 'true', TEMPORAL_API_KEY: 'k' }), []);
  });

  it('reports every bad variable at once, one line each, in one error', () => {
    const lines = problems({
      PORT: 'x',
      LOG_LEVEL: 'loud',
      TEMPORAL_TLS_CERT_PATH: '/no/such/cert.pem',
      TEMPORAL_UI_URL: 'not a url',
    });
    assert.deepEqual(
      lines.map((l) => l.split(':')[0]),
      ['TEMPORAL_UI_URL', 'PORT', 'LOG_LEVEL', 'TEMPORAL_TLS_KEY_PATH', 'TEMPORAL_TLS_CERT_PATH'],
    );
    assert.equal(new Set(lines.map((l) => l.split(':')[0])).size, lines.length, 'one line per variable');
  });
});

describe('temporalConnectionOptions', () => {
  const base = parseEnv({});

  it('plain connection by default; TLS with system roots for TEMPORAL_TLS or an API key', () => {
    assert.deepEqual(temporalConnectionOptions(base), { address: '127.0.0.1:7233' });
    assert.deepEqual(temporalConnectionOptions({ ...base, TEMPORAL_TLS: true }), {
      address: '127.0.0.1:7233',
      tls: true,
    });
    assert.deepEqual(temporalConnectionOptions({ ...base, TEMPORAL_API_KEY: 'k' }), {
      address: '127.0.0.1:7233',
      apiKey: 'k',
      tls: true,
    });
  });

  it('reads the certificate pair, the CA and the server name; a CA or a server name alone also turn TLS on', () => {
    withTlsFiles(({ cert, key, ca }) => {
      const env = parseEnv({
        TEMPORAL_TLS_CERT_PATH: cert,
        TEMPORAL_TLS_KEY_PATH: key,
        TEMPORAL_TLS_CA_PATH: ca,
        TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
      });
      assert.deepEqual(temporalConnectionOptions(env).tls, {
        clientCertPair: { crt: Buffer.from('CERT'), key: Buffer.from('KEY') },
        serverRootCACertificate: Buffer.from('CA'),
        serverNameOverride: 'temporal.internal',
      });
      assert.deepEqual(temporalConnectionOptions(parseEnv({ TEMPORAL_TLS_CA_PATH: ca })).tls, {
        serverRootCACertificate: Buffer.from('CA'),
      });
      assert.deepEqual(temporalConnectionOptions(parseEnv({ TEMPORAL_TLS_SERVER_NAME: 'x.internal' })).tls, {
        serverNameOverride: 'x.internal',
      });
    });
  });
});

/** Every `.ts` file under `dir`, skipping folders named in `skip`. */
function sourceFiles(dir: string, skip: readonly string[]): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return skip.includes(relative(ROOT, path)) ? [] : sourceFiles(path, skip);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Names of environment variables read: `process.env.X`, `env.X` (parsed or raw), commander's `.env('X')`. */
function variablesRead(text: string): string[] {
  return [...text.matchAll(/\benv\.([A-Z][A-Z0-9_]+)\b|\.env\('([A-Z][A-Z0-9_]+)'\)/g)].map(
    (m) => (m[1] ?? m[2]) as string,
  );
}

describe('docs/configuration.md', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');

  it('holds exactly the table generated from config/env-docs.ts', () => {
    const m = /<!-- env-table:start -->\n([\s\S]*?)\n<!-- env-table:end -->/.exec(doc);
    assert.ok(m, 'the env-table markers are present');
    const expected = renderEnvTable();
    assert.equal(m[1], expected, `the table differs from config/env-docs.ts; replace it with:\n\n${expected}\n`);
    assert.equal(doc.match(/^\| variable \| default \|/gm)?.length, 1, 'one table of variables');
  });

  it('documents every variable of the schema with its readers, and the extra ones are outside the schema', () => {
    assert.deepEqual(Object.keys(ENV_DOCS).sort(), Object.keys(EnvSchema.shape).sort());
    for (const [name, d] of [...Object.entries(ENV_DOCS), ...Object.entries(EXTRA_ENV_DOCS)]) {
      assert.ok(d.readers.length > 0 && d.meaning.length > 0, name);
      assert.ok(!(name in EnvSchema.shape) || name in ENV_DOCS, name);
    }
    for (const name of Object.keys(EXTRA_ENV_DOCS))
      assert.ok(!(name in EnvSchema.shape), `${name} is in the schema: document it in ENV_DOCS`);
  });

  it('lists every variable the code reads', () => {
    // System variables, not Phasegate configuration; the cluster test harness documents its own.
    const ignored = new Set(['PATH', 'HOME', 'XDG_CACHE_HOME']);
    const files = ['client', 'workers', 'activities', 'config', 'scripts'].flatMap((d) =>
      sourceFiles(join(ROOT, d), ['scripts/cluster']),
    );
    const documented = new Set([...Object.keys(ENV_DOCS), ...Object.keys(EXTRA_ENV_DOCS)]);
    const missing = new Set<string>();
    for (const file of files) {
      for (const name of variablesRead(readFileSync(file, 'utf8'))) {
        if (!ignored.has(name) && !documented.has(name)) missing.add(`${name} (${relative(ROOT, file)})`);
      }
    }
    assert.deepEqual([...missing], [], 'add these to config/env-docs.ts');
  });
});
