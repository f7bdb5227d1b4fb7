'use strict';
// AFTERBURNER_MALLOC: the launcher starts node with jemalloc or mimalloc preloaded from the
// system's package, falls back to the C library's malloc with a warning when it cannot, and
// gc.memory() says which allocator is live.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const { ROOT, cleanEnv } = require('./helpers');
const internal = require('../dist/gc/internal.js');

const BIN = path.join(ROOT, 'bin', 'afterburner.js');
const DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'ab-malloc-'));
test.after(() => fs.rmSync(DIR, { recursive: true, force: true }));

// Prints its pid and what it sees, then stays alive until stdin closes, so the test can read
// /proc/<pid>/maps of the very process the launcher started.
const HOLD = path.join(DIR, 'hold.js');
fs.writeFileSync(
  HOLD,
  `const ab = require(${JSON.stringify(ROOT)});
   const m = ab.gc.memory();
   const gc = ab.status().gc;
   console.log(JSON.stringify({ pid: process.pid, allocator: m.allocator, arenas: m.arenas, notes: m.notes, leftAlone: gc.leftAlone.map((s) => s.setting + ': ' + s.because), preload: process.env.LD_PRELOAD || null, arenaEnv: process.env.MALLOC_ARENA_MAX || null, mallocConf: process.env.MALLOC_CONF || null }));
   process.stdin.resume(); process.stdin.on('end', () => process.exit(0));`,
);

/** Starts `args` (node + the launcher...), returns its first stdout line and the maps of the pid it names. */
function launch(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: cleanEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0 || child.reported) return;
      child.reported = true;
      const info = JSON.parse(out.slice(0, nl));
      const maps = fs.readFileSync(`/proc/${info.pid}/maps`, 'utf8');
      // Thread names, polled for up to 2 s: jemalloc starts its background threads lazily.
      const threads = () => fs.readdirSync(`/proc/${info.pid}/task`).map((t) => fs.readFileSync(`/proc/${info.pid}/task/${t}/comm`, 'utf8').trim());
      const deadline = Date.now() + 2000;
      let names = threads();
      while (info.allocator.name === 'jemalloc' && !names.includes('jemalloc_bg_thd') && Date.now() < deadline) names = threads();
      info.threads = names;
      child.stdin.end();
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ info, maps, code, stderr: err });
      });
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (!child.reported) reject(new Error(`exited ${code} before reporting: ${err}`));
    });
  });
}

const mapped = (maps, name) => maps.split('\n').some((l) => l.includes(`/lib${name}.so`));

for (const name of ['jemalloc', 'mimalloc']) {
  const library = internal.findLibrary(name);
  const pkg = internal.ALLOCATOR_PACKAGES[name].debian;
  // CI installs the packages (.ci/apt-packages), so there a missing library is a failure.
  const skip = !library && !process.env.CI ? `${pkg} is not installed (bash .ci/apt-packages)` : false;

  test(`AFTERBURNER_MALLOC=${name}: the launched script runs with ${name} mapped and reported live`, { skip }, async () => {
    assert.ok(library, `${pkg} must be installed in CI`);
    const { info, maps, code, stderr } = await launch([BIN, HOLD], { AFTERBURNER_MALLOC: name });
    assert.equal(code, 0, stderr);
    assert.ok(mapped(maps, name), `/proc/${info.pid}/maps maps lib${name}`);
    assert.equal(stderr.includes('warning'), false, stderr);
    assert.equal(info.allocator.name, name);
    assert.equal(info.allocator.how, 'LD_PRELOAD');
    assert.equal(fs.realpathSync(info.allocator.library), fs.realpathSync(library));
    assert.equal(info.arenas, null, 'glibc arena figures are not reported under another allocator');
    assert.equal(info.arenaEnv, null, 'no MALLOC_ARENA_MAX: it is glibc-only');
    assert.equal(info.mallocConf, name === 'jemalloc' ? 'background_thread:true' : null);
    if (name === 'jemalloc') assert.ok(info.threads.includes('jemalloc_bg_thd'), `jemalloc's background purge thread runs: ${info.threads.join(',')}`);
    assert.ok(info.leftAlone.some((s) => s.startsWith('MALLOC_ARENA_MAX') && s.includes(`malloc is ${name}`)), info.leftAlone.join('\n'));
    assert.ok(info.leftAlone.some((s) => s.startsWith('malloc_trim') && s.includes(`malloc is ${name}`)), info.leftAlone.join('\n'));
  });

  test(`--malloc ${name} -- <command>: the command's node has ${name} too`, { skip }, async () => {
    const { info, maps, code, stderr } = await launch([BIN, '--malloc', name, '--', process.execPath, HOLD], {});
    assert.equal(code, 0, stderr);
    assert.ok(mapped(maps, name), `/proc/${info.pid}/maps maps lib${name}`);
    assert.equal(info.allocator.name, name);
  });
}

test('glibc (the default): nothing preloaded, the arena limit applies as before', async () => {
  for (const env of [{}, { AFTERBURNER_MALLOC: 'glibc' }, { AFTERBURNER_MALLOC: 'system' }]) {
    const { info, maps, code, stderr } = await launch([BIN, HOLD], env);
    assert.equal(code, 0, stderr);
    assert.ok(!mapped(maps, 'jemalloc') && !mapped(maps, 'mimalloc'));
    assert.equal(info.allocator.name, 'glibc');
    assert.equal(info.preload, null);
    assert.equal(info.arenaEnv, String(internal.plan('balanced').arenaMax), 'the balanced profile sets MALLOC_ARENA_MAX');
  }
});

test('a library that is not there: a clear warning, and the service starts on the C library malloc', async () => {
  const missing = path.join(DIR, 'nowhere', 'libjemalloc.so.2');
  const { info, maps, code, stderr } = await launch([BIN, HOLD], { AFTERBURNER_MALLOC: missing });
  assert.equal(code, 0, stderr);
  assert.match(stderr, new RegExp(`afterburner warning: AFTERBURNER_MALLOC=${missing.replace(/[.\\/]/g, '\\$&')}: .* cannot be preloaded: no such file; starting with the C library's malloc`));
  assert.ok(!mapped(maps, 'jemalloc'));
  assert.equal(info.allocator.name, 'glibc');
  assert.equal(info.preload, null);

  const unknown = await launch([BIN, HOLD], { AFTERBURNER_MALLOC: 'tcmalloc' });
  assert.equal(unknown.code, 0, unknown.stderr);
  assert.match(unknown.stderr, /unknown allocator "tcmalloc" \(accepted: glibc, jemalloc, mimalloc, system, or the path of a shared library\)/);
  assert.equal(unknown.info.allocator.name, 'glibc');

  const notElf = path.join(DIR, 'libjemalloc.so.2');
  fs.writeFileSync(notElf, 'not a library');
  const bad = await launch([BIN, HOLD], { AFTERBURNER_MALLOC: notElf });
  assert.match(bad.stderr, /not an ELF shared library/);
  assert.equal(bad.info.allocator.name, 'glibc');
});

test('by name, a missing package is named with the install command for Debian/Ubuntu and Alpine', () => {
  const empty = fs.mkdtempSync(path.join(DIR, 'lib-'));
  for (const [name, debian, alpine] of [
    ['jemalloc', 'libjemalloc2', 'jemalloc'],
    ['mimalloc', 'libmimalloc2.0', 'mimalloc2'],
  ]) {
    const choice = internal.resolveAllocator({ AFTERBURNER_MALLOC: name }, undefined, { dirs: [empty] });
    assert.equal(choice.allocator, 'glibc');
    assert.equal(choice.library, undefined);
    assert.equal(choice.warnings.length, 1);
    assert.ok(choice.warnings[0].includes(`apt-get install ${debian}`) && choice.warnings[0].includes(`apk add ${alpine}`) && choice.warnings[0].includes(empty), choice.warnings[0]);
  }
  const mac = internal.resolveAllocator({ AFTERBURNER_MALLOC: 'jemalloc' }, undefined, { platform: 'darwin' });
  assert.match(mac.warnings[0], /Linux only/);
  assert.deepEqual(internal.resolveAllocator({}, undefined).warnings, []);
});

test('an allocator already in LD_PRELOAD is kept; other preloads stay after ours; jemalloc gets its background thread', () => {
  const choice = { allocator: 'jemalloc', library: '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2', source: 'AFTERBURNER_MALLOC=jemalloc', warnings: [] };
  assert.deepEqual(internal.preloadEnv(choice, { LD_PRELOAD: '/opt/libtcmalloc_minimal.so.4' }), {
    env: {},
    notes: ['LD_PRELOAD already preloads /opt/libtcmalloc_minimal.so.4: kept, /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 not added (AFTERBURNER_MALLOC=jemalloc ignored)'],
  });
  assert.deepEqual(internal.preloadEnv(choice, { LD_PRELOAD: '/opt/libtrace.so' }), {
    env: { LD_PRELOAD: '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2:/opt/libtrace.so', MALLOC_CONF: 'background_thread:true' },
    notes: [],
  });
  assert.deepEqual(internal.preloadEnv(choice, { MALLOC_CONF: 'narenas:2' }), {
    env: { LD_PRELOAD: '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2' },
    notes: ['MALLOC_CONF=narenas:2 from the environment kept (jemalloc returns idle memory only with background_thread:true)'],
  });
  assert.deepEqual(internal.preloadEnv({ ...choice, allocator: 'mimalloc', library: '/usr/lib/libmimalloc.so.2' }, {}), { env: { LD_PRELOAD: '/usr/lib/libmimalloc.so.2' }, notes: [] });
  assert.deepEqual(internal.preloadEnv({ ...choice, library: undefined }, {}), { env: {}, notes: [] });
});

test('the live allocator is read from the memory map: preloaded, linked, glibc or musl', () => {
  const line = (file) => `7f0000000000-7f0000001000 r-xp 00000000 08:01 123 ${file}`;
  assert.deepEqual(internal.liveAllocator([line('/usr/lib/libc.so.6'), line('/usr/lib/libjemalloc.so.2')].join('\n'), { LD_PRELOAD: '/usr/lib/libjemalloc.so.2' }), { name: 'jemalloc', library: '/usr/lib/libjemalloc.so.2', how: 'LD_PRELOAD' });
  assert.equal(internal.liveAllocator(line('/usr/lib/libmimalloc.so.2.0'), {}).how, 'linked');
  assert.deepEqual(internal.liveAllocator(line('/lib/ld-musl-x86_64.so.1'), {}), { name: 'musl', library: null, how: 'C library' });
  assert.equal(internal.liveAllocator(line('/usr/lib/x86_64-linux-gnu/libc.so.6'), {}).name, 'glibc');
});

test('afterburner env prints the LD_PRELOAD line for the allocator and drops the glibc-only settings', { skip: !internal.findLibrary('jemalloc') && !process.env.CI ? 'libjemalloc2 is not installed' : false }, () => {
  const run = spawnSync(process.execPath, [BIN, 'env', '--malloc', 'jemalloc'], { cwd: ROOT, env: cleanEnv(), encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.ok(lines.includes(`LD_PRELOAD=${internal.findLibrary('jemalloc')}`), run.stdout);
  assert.ok(lines.includes('MALLOC_CONF=background_thread:true'), run.stdout);
  assert.ok(!lines.some((l) => l.startsWith('MALLOC_ARENA_MAX=')), run.stdout);
  assert.ok(lines.some((l) => l.includes('MALLOC_ARENA_MAX') && l.includes('left alone: malloc is jemalloc')), run.stdout);

  const plain = spawnSync(process.execPath, [BIN, 'env'], { cwd: ROOT, env: cleanEnv(), encoding: 'utf8' });
  assert.ok(!plain.stdout.includes('LD_PRELOAD'), plain.stdout);
  assert.ok(plain.stdout.includes('MALLOC_ARENA_MAX='), plain.stdout);

  const missing = spawnSync(process.execPath, [BIN, 'env'], { cwd: ROOT, env: cleanEnv({ AFTERBURNER_MALLOC: '/nowhere/libjemalloc.so.2' }), encoding: 'utf8' });
  assert.equal(missing.status, 0);
  assert.match(missing.stderr, /afterburner warning: AFTERBURNER_MALLOC=\/nowhere\/libjemalloc\.so\.2: .*no such file/);
  assert.match(missing.stdout, /# malloc: AFTERBURNER_MALLOC=\/nowhere\/libjemalloc\.so\.2: .*starting with the C library's malloc/);
  assert.ok(!missing.stdout.includes('LD_PRELOAD='));
});
