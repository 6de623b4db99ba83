import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        // The Electron entry and the host-mode entry share the same core.
        // The kiosk launcher (`npm run kiosk`: host mode + Chromium in kiosk mode, supervised) is a third entry.
        input: { index: resolve('src-main/electron/main.ts'), host: resolve('src-main/host/main.ts'), deploy: resolve('src-main/deploy/main.ts') },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload can only require('electron'): bundle zod and the API table into it, as CommonJS.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('src-main/electron/preload.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src-renderer',
    plugins: [react()],
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: resolve('src-renderer/index.html') },
    },
  },
});
