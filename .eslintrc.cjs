'use strict'

/** ESLint 9 reads this file when ESLINT_USE_FLAT_CONFIG=false (see the lint script). */
module.exports = {
  root: true,
  env: { node: true, es2023: true },
  parser: '@typescript-eslint/parser',
  parserOptions: {
    project: './tsconfig.json',
    tsconfigRootDir: __dirname,
    sourceType: 'module'
  },
  plugins: ['@typescript-eslint'],
  extends: [
    'eslint:recommended',
    'plugin:@typescript-eslint/strict-type-checked',
    'plugin:@typescript-eslint/stylistic-type-checked'
  ],
  rules: {
    'no-console': 'error',
    '@typescript-eslint/consistent-type-imports': 'error',
    '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }]
  },
  overrides: [
    {
      files: ['__tests__/**/*.ts'],
      rules: {
        '@typescript-eslint/no-non-null-assertion': 'off',
        '@typescript-eslint/no-floating-promises': 'error'
      }
    },
    {
      // Plain JavaScript that runs before anything is compiled: in no tsconfig, so no type information.
      files: ['scripts/*.mjs'],
      extends: ['plugin:@typescript-eslint/disable-type-checked']
    }
  ],
  ignorePatterns: ['dist/', 'node_modules/', 'coverage/', '.eslintrc.cjs']
}
