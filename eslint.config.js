// Lint: typescript-eslint's type-aware rules plus the house boundaries (aesthetics §4.2, §6):
// only src/cli/ touches argv, stdout/stderr and the exit code; only src/exec/ spawns processes;
// imports follow the layer order in scripts/lint/layers.js. Formatting is prettier's job, not ESLint's.
import js from '@eslint/js'
import { defineConfig } from 'eslint/config'
import tseslint from 'typescript-eslint'
import { layersRule } from './scripts/lint/layers.js'

const subprocess = ['execa', 'node:child_process', 'child_process'].map((name) => ({
  name,
  message: 'Run commands through src/exec/run.ts',
}))
const terminal = ['argv', 'exit', 'exitCode', 'stdout', 'stderr', 'stdin']
const processImports = ['node:process', 'process'].map((name) => ({
  name,
  importNames: terminal,
  message: 'Only src/cli/ touches argv, the terminal streams and the exit code',
}))
const processProperties = terminal.map((property) => ({
  object: 'process',
  property,
  message:
    'Only src/cli/ touches argv, the terminal streams and the exit code: return a value or emit an event',
}))

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'test/fixtures/**/*.mjs'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'scripts/*.mjs', 'scripts/lint/*.js'] },
      },
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'process',
          'console',
          'URL',
          'performance',
          'setTimeout',
          'setInterval',
          'clearInterval',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    files: ['**/*.ts'],
    rules: {
      // `await using _chroot = …` holds a resource for its scope without naming a use.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
      // `record: async () => undefined` implements a Promise-returning interface; writing
      // `() => Promise.resolve()` instead says the same thing less plainly. Forgotten awaits are
      // no-floating-promises' job, which stays on.
      '@typescript-eslint/require-await': 'off',
      // Re-throwing or rejecting with a caught `unknown` (the first failure of a teardown, an
      // AbortSignal's reason) passes the original error on unchanged.
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingUnknown: true }],
      '@typescript-eslint/prefer-promise-reject-errors': [
        'error',
        { allowThrowingUnknown: true, allowThrowingAny: true },
      ],
      // A value a type guard ruled out is `never`; naming it in the error message is the point.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNever: true }],
    },
  },
  {
    // These strip or match terminal escapes and serial-console control bytes on purpose.
    files: [
      'src/boot/console-text.ts',
      'test/integration/boot.test.ts',
      'test/system/report-sbom.test.ts',
    ],
    rules: { 'no-control-regex': 'off' },
  },
  {
    // Tests read JSON written by tools (qemu-img info, OCI layouts, SBOMs, the browser's DOM) and
    // check it field by field: a wrong shape fails an expect. Production code validates instead.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { imagewright: { rules: { layers: layersRule } } },
    rules: { 'imagewright/layers': 'error' },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**', 'src/exec/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [...subprocess, ...processImports] }],
      'no-restricted-properties': ['error', ...processProperties],
      'no-console': 'error',
    },
  },
  {
    files: ['src/exec/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: processImports }],
      'no-restricted-properties': ['error', ...processProperties],
      'no-console': 'error',
    },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: subprocess }] },
  },
)
