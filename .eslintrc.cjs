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
  plugins: ['@typescript-eslint', 'import'],
  settings: {
    // Resolves the `.js` specifiers of the sources to their `.ts` files, so the import directions below see every import.
    'import/resolver': { typescript: { project: './tsconfig.json' } }
  },
  extends: [
    'eslint:recommended',
    'plugin:@typescript-eslint/strict-type-checked',
    'plugin:@typescript-eslint/stylistic-type-checked'
  ],
  rules: {
    'no-console': 'error',
    '@typescript-eslint/consistent-type-imports': 'error',
    '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    // The directions imports run in. utils/ knows no framework and no domain; each area of services/
    // uses the ones below it (http, then operability, then gateway, then journeys) and only through
    // their index.ts; only the top-level files (app, server, index, config) see everything.
    'import/no-restricted-paths': ['error', {
      zones: [
        { target: './utils', from: ['./services', './mocks'], message: 'utils/ is framework-free and domain-free: it imports nothing from services/ or mocks/.' },
        { target: './mocks', from: './services', message: 'mocks/ models event.com on its own: it imports nothing from services/.' },
        { target: './services/*/**', from: './mocks', message: 'Only the top-level files of services/ start the mocks.' },
        { target: './services/*/**', from: './services/*.ts', message: 'The top-level files compose the areas; an area never imports them.' },
        { target: './services/http', from: ['./services/operability', './services/gateway', './services/journeys'], message: 'http/ is the plumbing every area stands on: it imports no area.' },
        { target: './services/operability', from: ['./services/gateway', './services/journeys'], message: 'operability/ serves every area: areas report to it, it imports none of them.' },
        { target: './services/gateway', from: './services/operability', except: ['./index.ts'], message: 'Import operability/ through its index.ts.' },
        { target: './services/gateway', from: './services/journeys', message: 'gateway/ does not know journeys/: journeys hook into the write path.' },
        { target: './services/journeys', from: './services/operability', except: ['./index.ts'], message: 'Import operability/ through its index.ts.' },
        { target: './services/journeys', from: './services/gateway', except: ['./index.ts'], message: 'Import gateway/ through its index.ts.' },
        { target: './services/dashboard', from: ['./services/operability', './services/gateway', './services/journeys'], message: 'dashboard/ serves pages and sessions on http/ alone: the top-level files hand its sessions to the journeys.' },
        { target: ['./services/http', './services/operability', './services/gateway', './services/journeys'], from: './services/dashboard', message: 'No area imports dashboard/: the top-level files wire it in.' }
      ]
    }]
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
    },
    {
      // The dashboard's front end: browser modules served as they are, with no build step and no tsconfig.
      files: ['services/dashboard/public/**/*.js'],
      extends: ['plugin:@typescript-eslint/disable-type-checked'],
      parserOptions: { project: null },
      env: { browser: true, node: false }
    }
  ],
  ignorePatterns: ['dist/', 'node_modules/', 'coverage/', '.eslintrc.cjs']
}
