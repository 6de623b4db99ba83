import { assertNodeVersion } from '../node-guard';

// Checked first, as for the kiosk itself: the launcher starts the kiosk with this same Node.
assertNodeVersion();
const { parseLauncherArgs, runLauncher } = await import('./launcher');
const { CliError, prepareDataDir } = await import('../../src-common/cli');
let options;
try {
  options = parseLauncherArgs(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof CliError)) throw err;
  // --help: the usage on stdout, exit 0; anything else one line on stderr, exit 2 (README: every entry point).
  if (err.exitCode === 0) process.stdout.write(`${err.message}\n`);
  else process.stderr.write(`kiosk: ${err.message}\n`);
  process.exit(err.exitCode);
}
// The kiosk's own options (after `--`) are checked here too: a bad one is one line now, not a child that the
// supervisor restarts until its limit.
const { ConfigError, loadConfig } = await import('../config');
try {
  loadConfig(['--host-port', String(options.port), '--data-dir', options.dataDir, ...options.kioskArgs]);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  if (err.exitCode === 0) process.stdout.write(`${err.message}\n`);
  else process.stderr.write(`kiosk: ${err.message}\n`);
  process.exit(err.exitCode);
}
// A file, /proc/…, a dir it cannot write: one line before anything starts (red-team finding 7).
const dirProblem = prepareDataDir(options.dataDir);
if (dirProblem) {
  process.stderr.write(`kiosk: data dir ${dirProblem}\n`);
  process.exit(2);
}
await runLauncher(options, (line) => process.stdout.write(`${line}\n`));
process.exit(0);
