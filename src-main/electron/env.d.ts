// electron-vite replaces `import.meta.env.DEV` at build time in the main bundle too (true only under
// `electron-vite dev`); this declares it for tsconfig.main, which does not load vite/client's DOM-flavoured types.
interface ImportMetaEnv {
  readonly DEV: boolean;
}
interface ImportMeta {
  readonly env: ImportMetaEnv;
}
