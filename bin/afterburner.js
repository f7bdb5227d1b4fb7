#!/usr/bin/env node
'use strict';
// `npx afterburner <script>`, `afterburner -- <command>`, `afterburner env`: see src/gc/launcher.ts.
//
// Everything here runs before the target starts, so it stays small: the launcher loads only its own
// few modules (no package index, no patches), and on Node 22.1+ compiles them from V8's code cache
// after the first run. The cache is node's own (module.enableCompileCache() with no directory:
// $TMPDIR/node-compile-cache, entries keyed by file and content; NODE_DISABLE_COMPILE_CACHE=1 turns
// it off). It is not enabled when the launcher has an IPC channel: the script then runs in this
// process, and the cache would extend to the application's modules.
const mod = require('node:module');
if (typeof mod.enableCompileCache === 'function' && !process.channel && process.env.NODE_CHANNEL_FD === undefined) {
  try {
    mod.enableCompileCache();
  } catch {
    // A read-only or missing temporary directory only costs the compile time saved.
  }
}
let launcher;
try {
  launcher = require('../dist/gc/launcher.js');
} catch (err) {
  process.stderr.write(`afterburner: the package is not built (${err.message.split('\n')[0]}); run "npm run build"\n`);
  process.exit(1);
}
launcher.main(process.argv.slice(2));
