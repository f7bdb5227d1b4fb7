#!/usr/bin/env node
'use strict';
// `npx afterburner <script>`, `afterburner -- <command>`, `afterburner env`: see src/gc/launcher.ts.
let launcher;
try {
  launcher = require('../dist/gc/launcher.js');
} catch (err) {
  process.stderr.write(`afterburner: the package is not built (${err.message.split('\n')[0]}); run "npm run build"\n`);
  process.exit(1);
}
launcher.main(process.argv.slice(2));
