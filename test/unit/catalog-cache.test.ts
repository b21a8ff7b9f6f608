/** The API's plan catalog cache: reused while the folder is unchanged, re-read when a file changes. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedCatalog } from '../../client/api/deps';

const plan = (title: string) => JSON.stringify({ id: 'p', title, steps: [{ id: 'a', run: { kind: 'simulate' } }] });

describe('cachedCatalog', () => {
  it('returns the same catalog while nothing changed and re-reads after an edit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phasegate-catalog-'));
    try {
      writeFileSync(join(dir, 'p.json'), plan('one'));
      const catalog = cachedCatalog(dir, 0);
      const first = await catalog();
      assert.equal(first.plans.get('p')?.title, 'one');
      assert.equal(await catalog(), first, 'unchanged folder: the same catalog object');
      writeFileSync(join(dir, 'p.json'), plan('two!'));
      utimesSync(join(dir, 'p.json'), new Date(), new Date(Date.now() + 5000));
      assert.equal((await catalog()).plans.get('p')?.title, 'two!');
      writeFileSync(join(dir, 'q.json'), plan('three').replace('"p"', '"q"'));
      assert.ok((await catalog()).plans.has('q'), 'a new file is picked up');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not look at the folder again within the recheck window', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phasegate-catalog-'));
    try {
      writeFileSync(join(dir, 'p.json'), plan('one'));
      const catalog = cachedCatalog(dir, 60_000);
      const first = await catalog();
      writeFileSync(join(dir, 'q.json'), plan('three').replace('"p"', '"q"'));
      assert.equal(await catalog(), first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
