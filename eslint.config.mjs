// Lint rules that keep workflow code deterministic and promises awaited.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

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
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after'] }] },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code is replayed: no Node built-ins, no I/O libraries, no real randomness or clocks.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code must stay deterministic: no Node built-ins.' })),
          patterns: [
            { group: ['express', 'yaml', 'undici', 'axios', 'pg', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'No I/O or non-workflow SDK modules in workflow code.' },
            { group: ['../activities/*', '../../activities/*'], allowTypeImports: true, message: 'Import activities only as types.' },
            { group: ['../client/*', '../../client/*'], message: 'Workflows never import client code.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' }, { name: 'setInterval', message: 'Use sleep() in a loop.' }, { name: 'process', message: 'No process access in workflow code.' }],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Math.random is not deterministic; use uuid4() from @temporalio/workflow if needed.' }],
    },
  },
);
