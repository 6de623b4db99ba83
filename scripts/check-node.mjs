// Fails fast, with a reason, when run under a Node older than the project's (better-sqlite3 13 segfaults on Node 20).
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(`Locker Kiosk needs Node 22+, this is ${process.versions.node}. Use npm scripts (they run node_modules/.bin/node) or nvm use (see .nvmrc).`);
  process.exit(1);
}
