import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The operator console (issue 12): its own small build, not part of the Electron app. The fleet server serves
 * out/console at /console/ (src-server/routes/console-app.ts) under a CSP that allows no inline script or style, so
 * nothing here may be inlined: modulePreload's polyfill is an inline script, and small assets must stay files.
 */
export default defineConfig({
  root: resolve('src-console'),
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: resolve('out/console'),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  logLevel: 'warn',
});
