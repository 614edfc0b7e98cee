// ESLint flat config: @eslint/js and typescript-eslint recommended rules, plus the house rules
// (unused variables are errors unless named `_…`, `any` is a warning, and src/core stays vscode-free).
import js from '@eslint/js';
import globals from 'globals';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const tsFiles = ['src/**/*.ts', 'webview/src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'];
const mjsFiles = ['scripts/**/*.mjs', 'test/**/*.mjs', 'esbuild.mjs', 'eslint.config.mjs'];
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
      'no-undef': 'error',
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
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'src/core must not import vscode: keep the core runnable in plain Node' }],
        },
      ],
    },
  },
);
