// Flat config: typescript-eslint recommended rules, plus the layering rules (core, built-in plugins, memberlist).
const tseslint = require('typescript-eslint');
const js = require('@eslint/js');
const coreFloors = require('./eslint-rules/core-floors');

// Built-in plugins are plugins like any other: from src/ only the public plugin API (or the package entry).
const PLUGIN_API_ONLY = 'a plugin imports only the public plugin API (src/core/plugin-api); make what it needs part of that API on purpose (docs/plugins.md)';
// layer2 may also use the memberlist library, through its public entry point only.
const PLUGIN_API_OR_MEMBERLIST = `${PLUGIN_API_ONLY}, or the memberlist library's entry (src/memberlist)`;
module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '**/*.js', 'examples/*/*/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Type-aware: a promise nobody awaits or catches, or handed where a callback's result is ignored, is an error.
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/plugins/layer2*', '**/plugins/bgp*', '../../plugins/*', '../../../plugins/*'], message: 'src/core never imports plugins/' }] }],
      'metallbts/core-floors': 'error',
    },
    plugins: { metallbts: coreFloors },
  },
  {
    files: ['plugins/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '(^|/)src/(?!(core/plugin-api|index)$)', message: PLUGIN_API_ONLY }] }],
    },
  },
  {
    files: ['plugins/layer2/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '(^|/)src/(?!(core/plugin-api|index|memberlist(/index)?)$)', message: PLUGIN_API_OR_MEMBERLIST }] }],
    },
  },
  {
    // The testkit is what a plugin author's tests import: it may use only what a plugin may (the plugin API).
    files: ['src/plugin-testkit/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.\\./(?!core/plugin-api$)', message: 'the plugin testkit imports only the public plugin API (src/core/plugin-api)' }] }],
    },
  },
  {
    files: ['src/memberlist/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(\\.\\./)+(.*/)?(core|plugins)(/|$)', message: 'the memberlist library stands alone: it never imports src/core or plugins/' }] }],
    },
  },
);
