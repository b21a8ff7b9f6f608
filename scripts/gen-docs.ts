/**
 * Regenerates the generated part of README.md: the HTTP API route table, from the route
 * declarations (`client/api/route-docs.ts`). `npm run docs`; the unit tests check it is current.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRouteTable } from '../client/api/route-docs';
import { allRoutes } from '../client/api/routes';

const README = join(__dirname, '..', 'README.md');
const before = readFileSync(README, 'utf8');
const after = withRouteTable(before, allRoutes());
if (after !== before) writeFileSync(README, after);
console.log(after === before ? 'README.md route table is current' : 'README.md route table regenerated');
