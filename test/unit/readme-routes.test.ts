/** README's HTTP API table is generated from the route declarations (`npm run docs`) and must be current. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  renderRouteTable,
  ROUTE_TABLE_END,
  ROUTE_TABLE_START,
  routeCodes,
  withRouteTable,
} from '../../client/api/route-docs';
import { allRoutes } from '../../client/api/routes';

// describe()/it() return promises that node:test itself awaits; `void` says so to the linter.

const routes = allRoutes();

void describe('README route table', () => {
  it('holds exactly the table generated from the route declarations', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    assert.ok(
      readme.includes(ROUTE_TABLE_START) && readme.includes(ROUTE_TABLE_END),
      'the route-table markers are present',
    );
    assert.equal(
      withRouteTable(readme, routes),
      readme,
      `README.md's route table is not current: run \`npm run docs\`. Expected:\n\n${renderRouteTable(routes)}\n`,
    );
  });

  it('lists every route once, with its query parameters', () => {
    const table = renderRouteTable(routes);
    const rows = table.split('\n').map((line) => /^\| `([A-Z]+ [^`?]+)/.exec(line)?.[1]);
    for (const r of routes)
      assert.equal(rows.filter((x) => x === `${r.method.toUpperCase()} ${r.path}`).length, 1, `${r.method} ${r.path}`);
    assert.match(table, /`GET \/api\/runs\?state=&plan=/);
  });

  it('gives every route with inputs its 400, and every route that needs a token its 401 and 403', () => {
    for (const r of routes) {
      const codes = routeCodes(r);
      if (r.params || r.query || r.body) assert.ok(codes.includes(400), `${r.method} ${r.path}: 400`);
      if (r.access !== 'public')
        assert.ok(codes.includes(401) && codes.includes(403), `${r.method} ${r.path}: 401/403`);
    }
  });
});
