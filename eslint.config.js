// Flat config: typescript-eslint recommended rules, plus the layering rule that keeps src/core free of plugins/.
const tseslint = require('typescript-eslint');
const js = require('@eslint/js');
module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/plugins/layer2*', '**/plugins/bgp*', '../../plugins/*', '../../../plugins/*'], message: 'src/core never imports plugins/' }] }],
    },
  },
);
