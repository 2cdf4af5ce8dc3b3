'use strict'

/**
 * The root tsconfig does not include bench/, so the type-aware rules get their program from
 * bench/tsconfig.json instead; everything else is inherited from the root .eslintrc.cjs.
 */
module.exports = {
  parserOptions: {
    project: './tsconfig.json',
    tsconfigRootDir: __dirname
  }
}
