// Owns the lint rules of the repository (ESLint flat config + typescript-eslint), run by `npm run lint`
// and before every `npm test` (pretest). The recommended JS and TypeScript sets, tuned where the house
// style is deliberate: a leading underscore marks a value that is dropped on purpose (destructuring a
// field away, an unused callback argument); parsers and validators match control characters on purpose.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'results/', 'coverage/', '.cache/', 'data/', 'test/fixtures/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true, caughtErrors: 'none' }],
      // Readers and validators reject NUL and other control bytes in input: those regexes are the point.
      'no-control-regex': 'off',
      // `let x = default;` before a try that may overwrite it on every path reads better than a bare `let`.
      'no-useless-assignment': 'off',
    },
  },
  {
    // Numerical Recipes constants, quoted with all their published digits.
    files: ['scripts/timing-analyze.ts'],
    rules: { 'no-loss-of-precision': 'off' },
  },
);
