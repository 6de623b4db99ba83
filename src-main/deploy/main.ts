import { assertNodeVersion } from '../node-guard';

// Checked first, as for the kiosk itself: the launcher starts the kiosk with this same Node.
assertNodeVersion();
const { parseLauncherArgs, runLauncher } = await import('./launcher');
let options;
try {
  options = parseLauncherArgs(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
await runLauncher(options, (line) => process.stdout.write(`${line}\n`));
process.exit(0);
