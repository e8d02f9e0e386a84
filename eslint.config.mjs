// `pnpm lint`: a small rule set that catches mistakes, not style (formatting is left to the editor).
// Syntax-only rules keep it fast on the 2-core CI machine; the strict type check runs separately.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.run/**', '**/*.cjs', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-debugger': 'error',
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `{}` is the graph's "no edges of this kind" on purpose (an empty record type would widen keys).
      '@typescript-eslint/no-empty-object-type': 'off',
      // Failing iterators are generators that throw before their first yield.
      'require-yield': 'off',
    },
  },
  {
    // Tests reach into internals and build fakes: casts through any and aliasing are allowed there.
    files: ['**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-this-alias': 'off' },
  },
);
