import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { readFileSync } from 'node:fs';
import globals from 'globals';

// Test-only code (one list, test/test-only-code.json, which the build's excludes and the architecture test
// follow too): linted like the rest, and the only code that may import a folder's testing.ts door.
const testOnly = JSON.parse(readFileSync(new URL('./test/test-only-code.json', import.meta.url), 'utf8')).patterns;
const testAndBench = [...testOnly, 'test/**', 'bench/**'];

// Each capability folder is reached from outside only through its index.ts door, and test code and benchmarks
// also through its testing.ts door (test helpers).
const doors = ['session', 'target', 'stack', 'proxy', 'scenarios', 'chaos', 'security', 'reports', 'common'];
const doorPath = (allowed) => `^(\\.\\./)+(${doors.join('|')})/(?!(${allowed})\\.ts$).+`;
const deepPath = doorPath('index');
const doorPatterns = [
  {
    regex: deepPath,
    message: 'Import another folder through its door: <folder>/index.ts (test code also <folder>/testing.ts).',
  },
];
const testDeepPath = doorPath('index|testing');
const testDoorPatterns = [{ regex: testDeepPath, message: doorPatterns[0].message }];
// The components of the reference backend (target/<component>/index.ts is each one's door).
const targetComponents = [
  'admin',
  'auth',
  'comments',
  'feed',
  'idempotency',
  'likes',
  'notifications',
  'openapi',
  'posts',
  'seed',
  'trending',
  'users',
];
const componentPath = `^(\\./|(\\.\\./)+)(${targetComponents.join('|')})/(?!index\\.ts$).+`;
const componentMessage =
  'Import a target component through its door (../<component>/index.ts); shared code belongs in target/platform/.';
// The same doors for import('...'): no-restricted-imports sees only static imports.
const dynamicImport = (regex, message) => ({
  selector: `ImportExpression[source.type='Literal'][source.value=/${regex.replaceAll('/', '\\/')}/]`,
  message,
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'reports/out/**', 'dist/**', 'test-results/**', '.rampart/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', { patterns: doorPatterns }],
      'no-restricted-syntax': ['error', dynamicImport(deepPath, doorPatterns[0].message)],
    },
  },
  // Inside target/, each component (auth, posts, feed, ...) is reached from another component only through its
  // index.ts door; platform/ is the shared layer below them all and is imported module by module.
  {
    files: ['target/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [...doorPatterns, { regex: componentPath, message: componentMessage }],
        },
      ],
      'no-restricted-syntax': [
        'error',
        dynamicImport(deepPath, doorPatterns[0].message),
        dynamicImport(componentPath, componentMessage),
      ],
    },
  },
  // Test code and benchmarks may also import the testing.ts doors (after the target/ block: this one wins there).
  {
    files: testAndBench,
    rules: {
      'no-restricted-imports': ['error', { patterns: testDoorPatterns }],
      'no-restricted-syntax': ['error', dynamicImport(testDeepPath, testDoorPatterns[0].message)],
    },
  },
  {
    files: testOnly.map((p) => `target/${p}`),
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...testDoorPatterns, { regex: componentPath, message: componentMessage }] },
      ],
      'no-restricted-syntax': [
        'error',
        dynamicImport(testDeepPath, testDoorPatterns[0].message),
        dynamicImport(componentPath, componentMessage),
      ],
    },
  },
  // k6 scripts run inside k6, which provides these globals.
  {
    files: ['deploy/k6/**/*.js'],
    languageOptions: { globals: { __ENV: 'readonly', __VU: 'readonly', __ITER: 'readonly' } },
  },
);
