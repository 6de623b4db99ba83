/**
 * better-sqlite3 13 segfaults on Node 20 instead of throwing, so entry points check first and say why.
 * Imported (dynamically, before anything native) by the host and server entry points.
 */
export function assertNodeVersion(min = 22): void {
  const major = Number(process.versions.node.split('.')[0]);
  if (!process.versions.electron && major < min) {
    process.stderr.write(
      `Locker Kiosk needs Node ${min} or newer; this is Node ${process.versions.node}.\n` +
        `Run it through npm (npm start / npm test use the Node ${min} that npm install put in node_modules/.bin), or see .nvmrc.\n`,
    );
    process.exit(1);
  }
}
