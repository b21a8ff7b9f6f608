#!/usr/bin/env node
// The `phase` CLI launcher: registers tsx so the TypeScript sources run without a build step.
'use strict';
require('tsx/cjs');
require('../client/cli/main.ts');
