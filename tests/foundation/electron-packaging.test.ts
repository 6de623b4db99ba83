import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The kiosk cannot be packaged here (electron-builder fetches the Electron binary to package it), so this reads the
 * packaging configuration it would use — electron-builder.json — and checks every fuse and setting that keeps a
 * street kiosk's binary from being turned into a Node shell or made to load code from outside its archive.
 * Checked once by hand against app-builder-lib 26.17's scheme.json (see docs/adr, the Electron shell ADR).
 */
const root = path.resolve(import.meta.dirname, '../..');
const configFile = path.join(root, 'electron-builder.json');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  main: string;
  build?: unknown;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

interface BuilderConfig {
  files: string[];
  asar: boolean | { disableIntegrity?: boolean };
  asarUnpack?: string[];
  electronFuses: Record<string, boolean>;
  directories?: { output?: string };
}

function readConfig(): BuilderConfig {
  expect(fs.existsSync(configFile), 'the kiosk has a packaging configuration (electron-builder.json)').toBe(true);
  return JSON.parse(fs.readFileSync(configFile, 'utf8')) as BuilderConfig;
}

// The fuse names electron-builder's FuseOptionsV1 accepts: a misspelt fuse would otherwise just stay at its default.
const KNOWN_FUSES = [
  'runAsNode',
  'enableCookieEncryption',
  'enableNodeOptionsEnvironmentVariable',
  'enableNodeCliInspectArguments',
  'enableEmbeddedAsarIntegrityValidation',
  'onlyLoadAppFromAsar',
  'loadBrowserProcessSpecificV8Snapshot',
  'grantFileProtocolExtraPrivileges',
  'resetAdHocDarwinSignature',
];

describe('the packaging configuration', () => {
  it('is the only one: no second "build" key in package.json', () => {
    readConfig();
    expect(pkg.build, 'package.json has no "build" key competing with electron-builder.json').toBeUndefined();
  });

  it('flips the fuses: no ELECTRON_RUN_AS_NODE, NODE_OPTIONS or --inspect; asar integrity; load only from the asar', () => {
    const fuses = readConfig().electronFuses;
    expect(fuses, 'electronFuses is set').toBeTypeOf('object');
    for (const key of Object.keys(fuses)) expect(KNOWN_FUSES, `fuse ${key}`).toContain(key);
    expect(fuses.runAsNode).toBe(false);
    expect(fuses.enableNodeOptionsEnvironmentVariable).toBe(false);
    expect(fuses.enableNodeCliInspectArguments).toBe(false);
    expect(fuses.enableEmbeddedAsarIntegrityValidation).toBe(true);
    expect(fuses.onlyLoadAppFromAsar).toBe(true);
    expect(fuses.enableCookieEncryption).toBe(true);
    // The renderer is served from app://kiosk, so file:// keeps no powers beyond a browser's.
    expect(fuses.grantFileProtocolExtraPrivileges).toBe(false);
  });

  it('packs into an asar with its integrity hash, unpacking only native modules', () => {
    const config = readConfig();
    expect(config.asar).toBe(true);
    expect(config.asarUnpack ?? []).toEqual(['**/*.node']);
  });

  it('packs only the built output and the bundled layouts (production dependencies are added by electron-builder)', () => {
    const config = readConfig();
    const include = config.files.filter((f) => !f.startsWith('!'));
    expect(include).toContain('out/**/*');
    for (const pattern of include) expect(pattern, `files: ${pattern}`).toMatch(/^(out\/|resources\/layouts\/)/);
    expect(config.files).toContain('!out/**/*.map');
    expect(pkg.main.startsWith('out/'), `package.json main (${pkg.main}) is inside the packed out/`).toBe(true);
    expect(config.directories?.output, 'the package is written outside out/, so it is never packed into itself').not.toMatch(/^out(\/|$)/);
  });

  it('keeps Electron and the build tools out of the production dependencies', () => {
    for (const name of ['electron', 'electron-vite', 'vite', 'typescript', 'vitest']) {
      expect(pkg.dependencies[name], `${name} is not a production dependency`).toBeUndefined();
    }
    expect(pkg.devDependencies.electron).toBeDefined();
  });
});
