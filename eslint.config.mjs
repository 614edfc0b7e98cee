// ESLint flat config: @eslint/js and typescript-eslint recommended rules, plus the house rules
// (unused variables are errors unless named `_…`, `any` is a warning, and src/core stays vscode-free).
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const tsFiles = ['src/**/*.ts', 'webview/src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'];
const mjsFiles = ['scripts/**/*.mjs', 'test/**/*.mjs', 'esbuild.mjs', 'eslint.config.mjs'];
/** Node's built-in modules by their bare names (`fs`, `fs/promises`, `path`…), from Node itself. */
const NODE_BUILTINS = builtinModules.filter((name) => !name.startsWith('_'));
/** Globals that exist in Node and not in a web worker. */
const NODE_GLOBALS = ['process', 'Buffer', 'require', 'module', 'exports', '__dirname', '__filename', 'global', 'setImmediate', 'clearImmediate'];
const NODE_MESSAGE = 'src/core and src/protocol run in a web worker too: put Node-only APIs behind an interface in src/core/platform (see src/core/platform/fileSystem.ts) that the front end supplies.';
const VSCODE_LAYER_MESSAGE = 'src/vscode runs in the web worker extension host too: reach Node-only APIs through platform() (src/vscode/platform.ts), which the entry supplies.';
const unusedVars = ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }];

export default defineConfig(
  {
    ignores: ['dist/', 'out/', 'node_modules/', 'test/fixtures/', '.test-artifacts/', '**/*.d.ts', '*.vsix'],
  },
  {
    files: [...tsFiles, ...mjsFiles],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  {
    files: mjsFiles,
    languageOptions: {
      globals: globals.node,
    },
    rules: {
      // Plain JavaScript that tsc does not check: keep no-undef, and use the core unused-vars rule.
      '@typescript-eslint/no-unused-vars': 'off',
      'no-unused-vars': unusedVars,
    },
  },
  {
    files: tsFiles,
    rules: {
      // The TypeScript-aware rule replaces the core one (which misreads types and overloads).
      'no-unused-vars': 'off',
      '@typescript-eslint/no-unused-vars': unusedVars,
    },
  },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'test/**/*.mjs', 'bench/**/*.ts', 'scripts/**/*.mjs', 'esbuild.mjs'],
    languageOptions: {
      globals: globals.node,
    },
  },
  {
    files: ['test/**/*.ts', 'test/**/*.mjs'],
    languageOptions: {
      globals: globals.mocha,
    },
  },
  {
    files: ['webview/src/**/*.ts'],
    languageOptions: {
      globals: globals.browser,
    },
  },
  {
    // The vscode layer runs in the web worker extension host too: Node-only APIs come from the entry's platform
    // (src/vscode/platform.ts), supplied by src/desktop/platform.ts or src/web/platform.ts.
    files: ['src/vscode/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: NODE_BUILTINS.map((name) => ({ name, message: VSCODE_LAYER_MESSAGE })),
          patterns: [
            { group: ['node:*'], message: VSCODE_LAYER_MESSAGE },
            { group: ['../node/*', '../../node/*', '../desktop/*', '../../desktop/*'], message: VSCODE_LAYER_MESSAGE },
          ],
        },
      ],
      'no-restricted-globals': ['error', ...NODE_GLOBALS.map((name) => ({ name, message: VSCODE_LAYER_MESSAGE }))],
    },
  },
  {
    // The core and the webview protocol run in a web worker too (issue 18): no vscode, no Node module, no Node global.
    // Node-only APIs go behind an interface in src/core/platform that each front end supplies.
    files: ['src/core/**/*.ts', 'src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'vscode', message: 'src/core must not import vscode: the vscode layer (src/vscode) or src/web passes what the core needs.' },
            ...NODE_BUILTINS.map((name) => ({ name, message: NODE_MESSAGE })),
          ],
          patterns: [{ group: ['node:*'], message: NODE_MESSAGE }],
        },
      ],
      'no-restricted-globals': ['error', ...NODE_GLOBALS.map((name) => ({ name, message: NODE_MESSAGE }))],
    },
  },
);
