// npm puts node_modules/.bin first on PATH, so scripts run on the project's pinned Node 24 (the
// `node` devDependency) whatever the system Node is. This guards against running them any other way.
const major = Number(process.versions.node.split('.')[0]);
if (major !== 24) {
  console.error(
    `Ringback needs Node 24 (found ${process.version}). Run it through npm (npm start / npm test), ` +
      'which uses the Node 24 installed by npm ci in node_modules/.bin.',
  );
  process.exit(1);
}
