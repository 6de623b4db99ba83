import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// Bare builtin names are listed as exact paths (a pattern 'events' would also match './events').
const nodeBuiltinPaths = ['fs', 'path', 'os', 'crypto', 'child_process', 'http', 'net', 'stream', 'events', 'url', 'util'];

/** Process boundaries as lint rules: a file's folder says what it may import. */
export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', '.kiosk-data/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      'no-console': 'off',
    },
  },
  {
    files: ['src-shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltinPaths.map((name) => ({ name, message: 'src-shared runs everywhere: no Node imports.' })),
          patterns: [
            { group: ['node:*'], message: 'src-shared runs everywhere: no Node imports.' },
            { group: ['electron', 'react', 'react-dom', '**/src-main/**', '**/src-renderer/**', '**/src-server/**'], message: 'src-shared imports nothing platform-specific.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...nodeBuiltinPaths, 'electron'].map((name) => ({ name, message: 'The renderer is sandboxed: no Node or Electron.' })),
          patterns: [
            { group: ['**/src-main/**', '**/src-server/**'], message: 'The renderer reaches main only through window.kiosk.' },
            { group: ['node:*'], message: 'The renderer is sandboxed: no Node or Electron.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src-main/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/src-renderer/**', '**/src-server/main*', '**/src-server/app*', '**/src-server/routes/**'], message: 'Main does not import the renderer or the fleet server internals.' }] },
      ],
    },
  },
  {
    files: ['src-main/domain/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../store/**', '../services/**', '../hardware/**', '../sync/**', '../api/**', '../electron/**', '../host/**', 'node:fs', 'fs', 'electron', 'better-sqlite3', 'serialport'], message: 'domain/ holds pure rules: no I/O.' }] },
      ],
    },
  },
  {
    files: ['src-server/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/src-renderer/**', '**/src-main/electron/**', '**/src-main/host/**', '**/src-main/services/**', 'electron'], message: 'The fleet server is its own process.' }] },
      ],
    },
  },
);
