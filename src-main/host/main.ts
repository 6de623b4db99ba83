import { assertNodeVersion } from '../node-guard';

// Checked before anything native loads: better-sqlite3 crashes on old Node instead of throwing.
assertNodeVersion();
const { runHost } = await import('./run');
await runHost(process.argv.slice(2));
