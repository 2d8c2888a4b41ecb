import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// Each capability folder is reached from outside only through its index.ts door.
const doors = ['target', 'stack', 'scenarios', 'chaos', 'security', 'reports', 'common'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'reports/out/**', 'dist/**', '**/fixtures/**', 'test-results/**', '.rampart/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', {
        patterns: doors.map((door) => ({
          regex: `^(\\.\\./)+${door}/(?!index\\.ts$).+`,
          message: `Import ${door}/ through its door: '${door}/index.ts'.`,
        })),
      }],
    },
  },
  // k6 scripts run inside k6, which provides these globals.
  {
    files: ['deploy/k6/**/*.js'],
    languageOptions: { globals: { __ENV: 'readonly', __VU: 'readonly', __ITER: 'readonly' } },
  },
);
