import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'artifacts/**', 'bench/results*', 'docs/reach-probes/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.{js,mjs}'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly', Buffer: 'readonly' } },
  },
  {
    // the page hook must not reach for page-replaceable globals at run time; natives.ts captures them
    files: ['src/page/**/*.ts'],
    ignores: ['src/page/natives.ts'],
    rules: {
      'no-restricted-globals': ['error', 'JSON', 'Date', 'postMessage', 'setTimeout', 'window', 'btoa', 'atob'],
    },
  },
);
