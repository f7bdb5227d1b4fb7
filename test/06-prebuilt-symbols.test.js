'use strict';
// The prebuilt binaries must load on every glibc that Node's own binaries support (2.28 and later):
// read what each one asks of the dynamic loader (NEEDED libraries, required symbol versions) and
// fail on anything above the baseline, on a NEEDED libstdc++, or on debug sections left in.
// The binaries are made here from source by scripts/prebuild.js (cached in .cache/prebuild).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ROOT, SUPPORTED_MAJORS, cleanEnv, nodeBinaries } = require('./helpers');
const { readElf, baselineProblems } = require('../scripts/elf-needs');
const { TARGETS, DEFINES, sources, prebuiltPath, missingToolchains } = require('../scripts/prebuild');

// Without the cross compiler there is nothing to read; CI installs it (.ci/install-deps.sh) and
// must not skip.
const missing = missingToolchains();
const skip = missing.length > 0 && !process.env.CI && `no toolchain for the prebuilt binaries: ${missing.join(', ')} (bash .ci/install-deps.sh)`;

let built;
function prebuilds() {
  if (!built) {
    const run = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'prebuild.js')], { cwd: ROOT, encoding: 'utf8', timeout: 900000 });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    built = Object.keys(TARGETS).map((target) => ({ target, file: prebuiltPath(target) }));
  }
  return built;
}

const readelf = spawnSync('readelf', ['--version']).status === 0;

for (const [target, { arch }] of Object.entries(TARGETS)) {
  test(`${target}: no symbol version above GLIBC_2.28, no NEEDED libstdc++, stripped`, { skip }, () => {
    const { file } = prebuilds().find((b) => b.target === target);
    const info = readElf(file);
    assert.equal(info.machine, arch);
    assert.deepEqual(baselineProblems(info), []);
    assert.ok(!info.needed.some((lib) => lib.startsWith('libstdc++')), info.needed.join(' '));
    assert.ok(info.needed.includes('libc.so.6'));
    const glibc = info.versions.filter((v) => v.name.startsWith('GLIBC_')).map((v) => v.name);
    assert.ok(glibc.length > 0, 'the reader found the GLIBC_ requirements');
    assert.deepEqual(info.versions.filter((v) => /^(GLIBCXX|CXXABI)_/.test(v.name)), []);
  });

  // The reader above is ours: binutils must see the same requirements in the same file.
  test(`${target}: readelf agrees with the reader on NEEDED and symbol versions`, { skip: skip || (!readelf && 'readelf not installed') }, () => {
    const { file } = prebuilds().find((b) => b.target === target);
    const info = readElf(file);
    const dyn = spawnSync('readelf', ['-d', '-W', file], { encoding: 'utf8' }).stdout;
    assert.deepEqual([...dyn.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]), info.needed);
    const ver = spawnSync('readelf', ['-V', '-W', file], { encoding: 'utf8' }).stdout;
    const section = ver.slice(ver.indexOf(".gnu.version_r"));
    const names = [...section.matchAll(/Name: (\S+)\s+Flags/g)].map((m) => m[1]).sort();
    assert.deepEqual(names, info.versions.map((v) => v.name).sort());
    // Only the Node-API entry point is exported: no simdjson symbol that node's own copy could take.
    const syms = spawnSync('readelf', ['--dyn-syms', '-W', file], { encoding: 'utf8' }).stdout;
    const exported = syms.split('\n').filter((l) => /\sGLOBAL\s+DEFAULT\s+\d+\s/.test(l)).map((l) => l.trim().split(/\s+/).pop());
    assert.deepEqual(exported, ['napi_register_module_v1']);
  });
}

// One Node-API binary for every supported major: the x64 prebuilt loads and works on each one
// installed here (.cache/node, scripts/node-versions.js), with the json patch on.
const installed = new Map(nodeBinaries().map(({ major, node }) => [major, node]));
for (const major of SUPPORTED_MAJORS) {
  const node = installed.get(major);
  test(`node ${major}: the x64 prebuilt binary loads, json patch active, json.get works`, {
    skip: skip || (process.arch !== 'x64' && 'x64 host only') || (!node && `node ${major} not installed (npm run node-versions -- ${major})`),
  }, () => {
    const { file } = prebuilds().find((b) => b.target === 'linux-x64-gnu');
    const code = `const ab = require(${JSON.stringify(ROOT)}); const s = ab.status();
      console.log(JSON.stringify({ native: s.native, json: s.json.active, get: ab.json.get(Buffer.from('{"a":[0,{"b":[true]}]}'), '/a/1/b/0') }));`;
    const run = spawnSync(node, ['--require', path.join(ROOT, 'register.js'), '-e', code], { cwd: ROOT, env: cleanEnv({ AFTERBURNER_NATIVE_PATH: file }), encoding: 'utf8', timeout: 30000 });
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout.trim().split('\n').pop());
    assert.equal(out.native.loaded, true, out.native.error);
    assert.equal(out.json, true);
    assert.equal(out.get, true);
    assert.equal(run.stderr, '');
  });
}

// The loader tells glibc from musl by the dynamic loader the node executable names (PT_INTERP).
test('libc detection: this node, and an executable that names musl\'s loader', () => {
  const { libcOfExecutable, detectLibc } = require('../dist/core/native');
  if (process.platform === 'linux') assert.equal(detectLibc(), libcOfExecutable(process.execPath) ?? 'glibc');
  assert.equal(libcOfExecutable(path.join(ROOT, 'package.json')), undefined, 'not an ELF file');
  // A minimal ELF64 header with one PT_INTERP program header pointing at musl's loader.
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'ab-elf-'));
  try {
    for (const [loader, expected] of [['/lib/ld-musl-x86_64.so.1', 'musl'], ['/lib64/ld-linux-x86-64.so.2', 'glibc'], ['/lib/ld-musl-aarch64.so.1', 'musl']]) {
      const elf = Buffer.alloc(512);
      elf.writeUInt32BE(0x7f454c46, 0);
      elf[4] = 2; // 64-bit
      elf[5] = 1; // little-endian
      elf.writeBigUInt64LE(64n, 0x20); // e_phoff
      elf.writeUInt16LE(56, 0x36); // e_phentsize
      elf.writeUInt16LE(1, 0x38); // e_phnum
      elf.writeUInt32LE(3, 64); // p_type PT_INTERP
      elf.writeBigUInt64LE(200n, 64 + 8); // p_offset
      elf.writeBigUInt64LE(BigInt(loader.length + 1), 64 + 32); // p_filesz
      elf.write(loader, 200, 'latin1');
      const file = path.join(dir, 'node');
      fs.writeFileSync(file, elf);
      assert.equal(libcOfExecutable(file), expected, loader);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// The check has to be able to fail: a build made the ordinary way on this machine (node-gyp, shared
// libstdc++, this glibc) is rejected by the same function.
const LOCAL = path.join(ROOT, 'build', 'Release', 'afterburner.node');
test('the baseline check rejects an ordinary local build (shared libstdc++, newer glibc)', { skip: !fs.existsSync(LOCAL) && 'no local build' }, () => {
  const problems = baselineProblems(readElf(LOCAL));
  assert.ok(problems.some((p) => p === 'NEEDED libstdc++.so.6'), problems.join('\n'));
});

// binding.gyp (node-gyp, developers) and scripts/prebuild.js (the shipped binaries) compile the
// same files with the same defines, so what is tested in a clone is what ships.
test('binding.gyp and scripts/prebuild.js build the same sources with the same defines', () => {
  const gyp = JSON.parse(fs.readFileSync(path.join(ROOT, 'binding.gyp'), 'utf8').replace(/^\s*#.*$/gm, ''));
  const target = gyp.targets[0];
  const gypSources = target.sources.map((s) => (s.startsWith('<!') ? 'simdjson.cpp' : s)).map((s) => path.basename(s)).sort();
  const prebuildSources = sources().map((s) => path.basename(s)).sort();
  assert.deepEqual(prebuildSources, gypSources);
  assert.deepEqual([...DEFINES].sort(), [...target.defines].sort());
});
