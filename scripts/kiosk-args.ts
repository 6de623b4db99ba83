// npm start's first step: the kiosk's own parser judges the flags before a build of a minute or more (src-main/config.ts).
// Prints the usage (exit 0) for --help, one line (exit 2) for a bad flag or value, nothing (exit 0) when they are fine.
import { prepareDataDir } from '../src-common/cli';
import { ConfigError, loadConfig } from '../src-main/config';

try {
  const config = loadConfig(process.argv.slice(2));
  // A --data-dir that is a file or under /proc is said now too (the kiosk itself checks again, and the Electron default).
  const problem = config.dataDir ? prepareDataDir(config.dataDir) : null;
  if (problem) throw new ConfigError(`data dir ${problem}`);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  if (err.exitCode === 0) process.stdout.write(`${err.message}\n`);
  else process.stderr.write(`kiosk: ${err.message}\n`);
  process.exit(err.exitCode);
}
