#!/usr/bin/env node
'use strict';
// Builds the prebuilt Node-API binaries that ship inside the package (prebuilds/<target>/afterburner.node),
// from source, with the C++ compiler called directly (no node-gyp, python or make). Runs at `npm pack`
// and `npm publish` (the prepack script); never at install. One Node-API build per target loads on
// every Node version from 20 on.
//
//   node scripts/prebuild.js                      linux-x64-gnu and linux-arm64-gnu (cross-compiled)
//   node scripts/prebuild.js --target linux-arm64-gnu
//   node scripts/prebuild.js --host               a build for this machine into build/Release (users
//                                                 on a platform with no prebuilt binary: musl, macOS)
//   --force                                       ignore the cache in .cache/prebuild
//
// The glibc targets must load on glibc 2.28 (what Node's own binaries need): libstdc++ is linked
// statically, native/compat/glibc.cc stands in for the newer glibc symbols that the static
// libstdc++ and the addon use, and each binary is checked with scripts/elf-needs.js before it is
// accepted. Toolchains (Debian): g++ on x64, g++-aarch64-linux-gnu for arm64 (.ci/install-deps.sh).
const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { readElf, baselineProblems } = require('./elf-needs');

const ROOT = path.resolve(__dirname, '..');

// The same defines and flags as binding.gyp (test/06 compares them), plus what a shipped binary needs.
const DEFINES = ['NAPI_VERSION=8', 'NAPI_DISABLE_CPP_EXCEPTIONS', 'NODE_ADDON_API_DISABLE_DEPRECATED'];
const CXXFLAGS = ['-O3', '-std=c++17', '-fno-rtti', '-fexceptions', '-fvisibility=hidden', '-fvisibility-inlines-hidden', '-fPIC', '-pthread'];
const SHIPPED_CXXFLAGS = ['-ffunction-sections', '-fdata-sections'];

const HOST_ARCH = { x64: 'x64', arm64: 'arm64' }[process.arch];
const TARGETS = {
  'linux-x64-gnu': { arch: 'x64', cxx: HOST_ARCH === 'x64' ? 'g++' : 'x86_64-linux-gnu-g++', debian: 'g++' },
  'linux-arm64-gnu': { arch: 'arm64', cxx: HOST_ARCH === 'arm64' ? 'g++' : 'aarch64-linux-gnu-g++', debian: 'g++-aarch64-linux-gnu' },
};

/** The addon's sources: every native/*.cc except the standalone checks (native/*_check.cc), and simdjson. */
function sources(root = ROOT) {
  const native = fs
    .readdirSync(path.join(root, 'native'))
    .filter((f) => f.endsWith('.cc') && !f.endsWith('_check.cc'))
    .sort()
    .map((f) => path.join(root, 'native', f));
  return [...native, path.join(simdjsonDir(root), 'simdjson.cpp')];
}

function simdjsonDir(root = ROOT) {
  return path.join(path.dirname(require.resolve('@nozbe/simdjson/package.json', { paths: [root] })), 'src');
}

function addonApiDir(root = ROOT) {
  return path.dirname(require.resolve('node-addon-api/package.json', { paths: [root] }));
}

/** A directory with node_api.h: the running node's own headers, npm's nodedir, or node-gyp's cache. */
function nodeApiHeaders() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  const candidates = [
    process.env.npm_config_nodedir && path.join(process.env.npm_config_nodedir, 'include', 'node'),
    path.join(prefix, 'include', 'node'),
    path.join(os.homedir(), '.cache', 'node-gyp', process.versions.node, 'include', 'node'),
    '/usr/include/node',
  ].filter(Boolean);
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'node_api.h')));
  if (!found) {
    throw new Error(`no Node-API headers (node_api.h) in ${candidates.join(', ')}; install Node from an official tarball or set npm_config_nodedir`);
  }
  return found;
}

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', (err) => reject(new Error(`${cmd}: ${err.message}`)));
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.at(-1)} exited with ${code ?? signal}`))));
  });
}

/** Runs the jobs, at most `limit` at a time. */
async function pool(jobs, limit) {
  const queue = [...jobs];
  const workers = Array.from({ length: Math.min(limit, queue.length) }, async () => {
    while (queue.length) await queue.shift()();
  });
  await Promise.all(workers);
}

function compilerVersion(cxx) {
  const r = spawnSync(cxx, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  return r.stdout.split('\n')[0];
}

/**
 * Compiles and links one target into `out`. `shipped` adds the static runtime, the glibc shim,
 * dead-code removal and stripping; a --host build is a plain build like node-gyp's.
 */
async function build({ name, cxx, shipped, out, force }) {
  const version = compilerVersion(cxx);
  if (!version) throw new Error(`${name}: compiler ${cxx} not found`);
  const headers = nodeApiHeaders();
  const files = sources();
  if (shipped) files.push(path.join(ROOT, 'native', 'compat', 'glibc.cc'));
  const cflags = [
    ...CXXFLAGS,
    ...(shipped ? SHIPPED_CXXFLAGS : []),
    ...DEFINES.map((d) => `-D${d}`),
    `-I${headers}`,
    `-I${addonApiDir()}`,
    `-I${simdjsonDir()}`,
  ];
  const ldflags = ['-shared', '-pthread'];
  if (process.platform === 'darwin' && !shipped) ldflags.push('-undefined', 'dynamic_lookup');
  if (shipped) {
    // libstdc++ inside (no GLIBCXX_ versions to match); libgcc_s stays shared (every glibc system has
    // it, and its static unwinder would need glibc 2.35's _dl_find_object). libdl and libpthread are
    // named so the compat shim's old-version dlsym/pthread_* resolve on glibc before 2.34 too.
    ldflags.push('-static-libstdc++', '-Wl,--gc-sections', '-Wl,-O1', '-Wl,-z,noexecstack', '-s');
    ldflags.push('-Wl,--no-as-needed', '-l:libdl.so.2', '-l:libpthread.so.0', '-Wl,--as-needed');
    // Export the Node-API entry point only. The static libstdc++'s symbols would otherwise be
    // exported, and the addon's own calls to them could bind to node's shared libstdc++ instead.
    ldflags.push('-Wl,--exclude-libs,ALL', `-Wl,--version-script=${path.join(__dirname, 'prebuild-exports.map')}`);
  }

  // Cache: the same compiler, flags and source bytes give the same binary. The Node-API headers'
  // place is left out (it is per Node version; with NAPI_VERSION pinned, what they declare is not).
  const hash = crypto.createHash('sha256');
  hash.update(JSON.stringify([version, cxx, cflags.filter((f) => f !== `-I${headers}`).map((f) => f.replace(ROOT, '')), ldflags.map((f) => f.replace(ROOT, ''))]));
  for (const f of files) hash.update(fs.readFileSync(f));
  for (const dir of [path.join(ROOT, 'native')]) {
    for (const h of fs.readdirSync(dir).filter((f) => f.endsWith('.h')).sort()) hash.update(fs.readFileSync(path.join(dir, h)));
  }
  const key = hash.digest('hex').slice(0, 16);
  const work = path.join(ROOT, '.cache', 'prebuild', name);
  const stamp = path.join(work, 'stamp');
  const upToDate = () => !force && fs.existsSync(out) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === key;
  if (upToDate()) {
    console.log(`afterburner: ${name}: up to date (${path.relative(ROOT, out)})`);
    return { cached: true };
  }
  // Test files run in parallel and may each ask for the binaries: one builds, the others wait.
  const release = await lock(`${work}.lock`);
  try {
    if (upToDate()) {
      console.log(`afterburner: ${name}: up to date (${path.relative(ROOT, out)}, built meanwhile)`);
      return { cached: true };
    }
    return await compileAndLink({ name, cxx, version, files, cflags, ldflags, shipped, out, work, stamp, key });
  } finally {
    release();
  }
}

/** An exclusive lock (a directory holding the owner's pid); a lock whose owner is gone is taken over. */
async function lock(dir) {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  for (;;) {
    try {
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'pid'), String(process.pid));
      return () => fs.rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    let owner = 0;
    try {
      owner = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8'));
    } catch {}
    let alive = true;
    if (owner > 0) {
      try {
        process.kill(owner, 0);
      } catch (err) {
        alive = err.code === 'EPERM';
      }
    }
    if (!alive) fs.rmSync(dir, { recursive: true, force: true });
    else await new Promise((r) => setTimeout(r, 500));
  }
}

async function compileAndLink({ name, cxx, version, files, cflags, ldflags, shipped, out, work, stamp, key }) {
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });

  const started = Date.now();
  const objects = files.map((f) => path.join(work, `${path.basename(f)}.o`));
  const jobs = files.map((f, i) => () => run(cxx, [...cflags, '-c', f, '-o', objects[i]]));
  await pool(jobs, Math.max(1, os.availableParallelism?.() ?? 2));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  await run(cxx, [...objects, ...ldflags, '-o', tmp]);
  if (shipped) {
    const problems = baselineProblems(readElf(tmp));
    if (problems.length) {
      fs.rmSync(tmp, { force: true });
      throw new Error(`${name}: the binary would not load on the glibc 2.28 baseline: ${problems.join('; ')}`);
    }
  }
  fs.renameSync(tmp, out);
  fs.writeFileSync(stamp, key);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`afterburner: ${name}: built ${path.relative(ROOT, out)} (${(fs.statSync(out).size / 1e6).toFixed(2)} MB) in ${seconds} s with ${version}`);
  return { cached: false };
}

/** Targets whose compiler is not installed here, with the Debian package that provides it. */
function missingToolchains(names = Object.keys(TARGETS)) {
  return names.filter((n) => !compilerVersion(TARGETS[n].cxx)).map((n) => `${TARGETS[n].cxx} (Debian package ${TARGETS[n].debian})`);
}

function prebuiltPath(target, root = ROOT) {
  return path.join(root, 'prebuilds', target, 'afterburner.node');
}

async function main(argv) {
  const force = argv.includes('--force');
  if (argv.includes('--host')) {
    const cxx = process.env.CXX || 'c++';
    await build({ name: `host (${process.platform}-${process.arch})`, cxx, shipped: false, out: path.join(ROOT, 'build', 'Release', 'afterburner.node'), force });
    return;
  }
  const i = argv.indexOf('--target');
  const names = i >= 0 ? String(argv[i + 1] ?? '').split(',').filter(Boolean) : Object.keys(TARGETS);
  for (const name of names) {
    const target = TARGETS[name];
    if (!target) throw new Error(`unknown target "${name}" (known: ${Object.keys(TARGETS).join(', ')})`);
    if (missingToolchains([name]).length) {
      throw new Error(`${name}: compiler ${target.cxx} not found (Debian package ${target.debian}; bash .ci/install-deps.sh installs it)`);
    }
  }
  for (const name of names) await build({ name, cxx: TARGETS[name].cxx, shipped: true, out: prebuiltPath(name), force });
}

module.exports = { TARGETS, DEFINES, CXXFLAGS, sources, prebuiltPath, missingToolchains };

if (require.main === module) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(`afterburner: prebuild failed: ${err.message}`);
    process.exit(1);
  });
}
