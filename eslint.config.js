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
    // The operator console (issue 12) is a browser app served by the fleet server: it talks to it over HTTP only.
    files: ['src-console/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...nodeBuiltinPaths, 'electron'].map((name) => ({ name, message: 'The console runs in a browser: no Node or Electron.' })),
          patterns: [
            { group: ['**/src-main/**', '**/src-server/**', '**/src-renderer/**', '**/src-common/**'], message: 'The console imports only src-shared; it reaches the server through /console/api/.' },
            { group: ['node:*'], message: 'The console runs in a browser: no Node or Electron.' },
          ],
        },
      ],
    },
  },
  {
    // Node-side code both processes import (signing, code digests, badge verification): neither side's internals.
    files: ['src-common/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['electron', 'react', 'react-dom', '**/src-main/**', '**/src-renderer/**', '**/src-server/**'], message: 'src-common is shared by the kiosk and the fleet server: it imports only src-shared and Node.' }] },
      ],
    },
  },
  {
    // The kiosk and the fleet server share only src-shared and src-common (issue 11). The one exception is the demo's
    // in-process fleet server, reached through src-server/embedded.ts from src-main/sync/embedded.ts (next block).
    files: ['src-main/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/src-renderer/**', '**/src-server/**'], message: 'Main does not import the renderer or the fleet server (shared code lives in src-common; the demo server only via src-main/sync/embedded.ts).' }] },
      ],
    },
  },
  {
    files: ['src-main/sync/embedded.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/src-renderer/**', '**/src-server/**', '!**/src-server/embedded'], message: 'The embedded demo reaches the fleet server only through src-server/embedded.ts.' }] },
      ],
    },
  },
  {
    files: ['src-main/domain/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../store/**', '../services/**', '../hardware/**', '../sync/**', '../api/**', '../electron/**', '../host/**', 'node:fs', 'fs', 'electron', 'better-sqlite3', 'serialport', '**/src-renderer/**', '**/src-server/**'], message: 'domain/ holds pure rules: no I/O.' }] },
      ],
    },
  },
  {
    files: ['src-server/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/src-renderer/**', '**/src-main/**', 'electron'],
              message: 'The fleet server is its own process: it imports src-shared and src-common, never the kiosk.',
            },
          ],
        },
      ],
    },
  },
);
