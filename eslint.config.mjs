// Lint rules that keep workflow code deterministic, promises awaited, and each folder to the
// imports ARCHITECTURE.md's table allows it (the table and these rules say the same thing).
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/**
 * A pattern for relative imports of our top-level `folders` (at any depth: `../x`, `../../x/y`),
 * except the paths below them listed in `except` (e.g. `plan` for `workflows/plan/...`).
 */
function fromFolders(folders, message, { except = [], allowTypeImports = false } = {}) {
  const unless = except.length ? `(?!(${except.join('|')})(/|$))` : '';
  return {
    regex: `^(\\.\\./)+(${folders.join('|')})(/${unless}.*)?$`,
    message,
    ...(allowTypeImports ? { allowTypeImports } : {}),
  };
}

/** The workflow sandbox: replayed code, so no Node, no I/O, no client/worker SDKs, no randomness or clocks. */
function sandboxImports({ zod }) {
  return [
    'error',
    {
      paths: nodeBuiltins.map((name) => ({
        name,
        message: 'Workflow code must stay deterministic: no Node built-ins.',
      })),
      patterns: [
        {
          group: [
            'express',
            'yaml',
            'undici',
            'axios',
            'pg',
            'pino',
            'commander',
            '@temporalio/client',
            '@temporalio/worker',
            '@temporalio/activity',
            '@temporalio/testing',
          ],
          message: 'No I/O or non-workflow SDK modules in workflow code.',
        },
        ...(zod
          ? []
          : [
              {
                group: ['zod'],
                message:
                  'zod stays out of the workflow bundle: import the types of plan/schema.ts or status-schema.ts instead.',
              },
            ]),
        ...(zod
          ? []
          : [
              {
                // The entry modules and their parts (plan/schema-*.ts, status-schema-*.ts).
                group: [
                  '**/plan/schema',
                  '**/plan/schema-*',
                  './schema',
                  './schema-*',
                  '**/status-schema',
                  '**/status-schema-*',
                  './status-schema',
                  './status-schema-*',
                ],
                allowTypeImports: true,
                message: 'Schemas (zod) are imported by workflow code as types only.',
              },
            ]),
        fromFolders(['activities'], 'Import activities only as types.', { allowTypeImports: true }),
        fromFolders(
          ['client', 'workers', 'config', 'scripts', 'test', 'bench'],
          'Workflow code imports only workflows/ and the workflow SDK.',
        ),
      ],
    },
  ];
}

const sandboxGlobals = {
  'no-restricted-globals': [
    'error',
    { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' },
    { name: 'setInterval', message: 'Use sleep() in a loop.' },
    { name: 'process', message: 'No process access in workflow code.' },
  ],
  'no-restricted-properties': [
    'error',
    {
      object: 'Math',
      property: 'random',
      message: 'Math.random is not deterministic; use uuid4() from @temporalio/workflow if needed.',
    },
  ],
};

/** Modules under workflows/ that hold zod schemas: not in the workflow bundle (a unit test checks). */
const SCHEMA_FILES = [
  'workflows/plan/schema.ts',
  'workflows/plan/schema-common.ts',
  'workflows/plan/schema-executors.ts',
  'workflows/plan/schema-gates.ts',
  'workflows/plan/schema-notify.ts',
  'workflows/plan/schema-steps.ts',
  'workflows/plan/validate.ts',
  'workflows/plan/issues.ts',
  'workflows/status-schema.ts',
  'workflows/status-schema-gates.ts',
  'workflows/status-schema-records.ts',
  'workflows/status-schema-states.ts',
  'workflows/status-schema-steps.ts',
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', '.data/**', 'bin/**', 'docs/**', '.scratch*/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's describe/it return promises the runner itself tracks.
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code, and the tracing interceptors the worker bundles into it, run in the sandbox.
    files: ['workflows/**/*.ts', 'workers/tracing-interceptors.ts'],
    ignores: SCHEMA_FILES,
    rules: { 'no-restricted-imports': sandboxImports({ zod: false }), ...sandboxGlobals },
  },
  {
    files: SCHEMA_FILES,
    rules: { 'no-restricted-imports': sandboxImports({ zod: true }), ...sandboxGlobals },
  },
  {
    // Executors: Node, the activity SDK, the plan's pure helpers, config; the engine's types only.
    files: ['activities/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@temporalio/client', '@temporalio/worker', '@temporalio/workflow', 'express', 'commander'],
              message: 'Activities run in the worker: no client, worker or workflow SDK, no HTTP server.',
            },
            fromFolders(['workflows'], 'Activities import workflow modules as types only (plan helpers excepted).', {
              except: ['plan'],
              allowTypeImports: true,
            }),
            fromFolders(
              ['client', 'workers', 'scripts', 'test', 'bench'],
              'Activities import only Node, the activity SDK, workflows/plan, config and engine types.',
            ),
          ],
        },
      ],
    },
  },
  {
    // The worker process: Worker.create, activities, config; no business logic, no client code.
    files: ['workers/**/*.ts'],
    ignores: ['workers/tracing-interceptors.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            fromFolders(
              ['client', 'scripts', 'test', 'bench'],
              'Workers import activities, config and the workflow path only.',
            ),
            { group: ['express', 'commander'], message: 'No HTTP server or CLI in the worker.' },
          ],
        },
      ],
    },
  },
  {
    // API, CLI, MCP: the Temporal client, workflows' messages/plan/status, config. The CLI's agent
    // runner runs commands like the shell executor does, so it shares its two helpers.
    files: ['client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@temporalio/worker', '@temporalio/activity', '@temporalio/testing'],
              message: 'Client code talks to Temporal through @temporalio/client only.',
            },
            fromFolders(
              ['activities'],
              'Client code does not run activities (the agent runner shares metrics and process-group only).',
              { except: ['metrics', 'process-group'] },
            ),
            fromFolders(
              ['workers', 'scripts', 'test', 'bench'],
              'Client code imports workflows (messages, plan, status), config and its own modules.',
            ),
          ],
        },
      ],
    },
  },
  {
    // Configuration is a leaf: everything reads it, it reads nothing of ours.
    files: ['config/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            fromFolders(
              ['client', 'workers', 'activities', 'workflows', 'scripts', 'test', 'bench'],
              'config/ imports only zod, Node and @opentelemetry.',
            ),
          ],
        },
      ],
    },
  },
  {
    // Scripts may import any product code, but not the tests (a script is not a test fixture).
    files: ['scripts/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            fromFolders(['test'], 'Scripts do not import tests; shared helpers live in scripts/ (tests import them).'),
          ],
        },
      ],
    },
  },
);
