'use strict';
// The two standalone C++ checks of the json.validate / json.get path, built and run here so CI
// runs them too (they need a C++ compiler; the addon's own build needs one anyway):
// - test/native/json_walk_check.cc: the walk never reads past the input (guard pages), and its
//   64-byte number blocks agree with its per-token checks on millions of documents;
// - test/native/json_index_check.cc (x86-64; its AVX-512 and AVX2 builds, where the processor runs
//   them): the addon's own stage 1 gives the same verdicts and the same structural indexes as
//   simdjson's stage 1 plus the per-token escape checks, on random, mutated, escape-heavy,
//   multi-byte and number-boundary documents, reading nothing before or past the input.
// The binaries are cached under build/checks by a hash of their sources, so a CI run over four
// Node versions compiles them once.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT } = require('./helpers');
const { corpusFiles } = require('./json/corpus');

const CXX = process.env.CXX || 'c++';
const SIMDJSON = path.join(path.dirname(require.resolve('@nozbe/simdjson/package.json', { paths: [ROOT] })), 'src');
const NATIVE = path.join(ROOT, 'native');
const CHECKS = path.join(ROOT, 'test', 'native');
const CACHE = path.join(ROOT, 'build', 'checks');

const compilerMissing = spawnSync(CXX, ['--version'], { encoding: 'utf8' }).status !== 0 && `no C++ compiler (${CXX})`;
const unsupported = !(process.platform === 'linux' && process.arch === 'x64') && 'guard pages and vector paths are checked on x86-64 Linux';

function compile(args) {
  const run = spawnSync(CXX, ['-O2', '-std=c++17', `-I${SIMDJSON}`, `-I${NATIVE}`, ...args], { encoding: 'utf8', timeout: 240000 });
  assert.equal(run.status, 0, `${CXX} ${args.join(' ')}\n${run.stderr.slice(-3000)}`);
}

/** simdjson.cpp compiled once (the longest step), shared by both checks. */
function simdjsonObject() {
  const out = path.join(CACHE, `simdjson-${hashOf([path.join(SIMDJSON, 'simdjson.cpp')])}.o`);
  if (!fs.existsSync(out)) {
    fs.mkdirSync(CACHE, { recursive: true });
    const tmp = `${out}.${process.pid}.tmp.o`;
    compile(['-c', path.join(SIMDJSON, 'simdjson.cpp'), '-o', tmp]);
    fs.renameSync(tmp, out);  // atomic: a parallel run sees the old state or the whole file
  }
  return out;
}

function hashOf(files) {
  const h = crypto.createHash('sha256');
  for (const f of files) h.update(fs.readFileSync(f));
  return h.digest('hex').slice(0, 16);
}

/** The binary for `name`, built by `steps(tmpExe)` unless one for the same sources exists. */
function binary(name, sources, steps) {
  const exe = path.join(CACHE, `${name}-${hashOf(sources)}`);
  if (!fs.existsSync(exe)) {
    fs.mkdirSync(CACHE, { recursive: true });
    const tmp = `${exe}.${process.pid}.tmp`;
    steps(tmp);
    fs.renameSync(tmp, exe);
  }
  return exe;
}

function runCheck(exe, args, env = process.env) {
  const run = spawnSync(exe, args, { encoding: 'utf8', timeout: 120000, env });
  assert.equal(run.signal, null, `${path.basename(exe)} killed by ${run.signal} (a read past the input?)\n${run.stdout.slice(-2000)}`);
  assert.equal(run.status, 0, `${run.stdout.slice(-3000)}\n${run.stderr.slice(-2000)}`);
  return run.stdout;
}

test('the grammar walk: no read past the input, number blocks agree with per-token checks (test/native/json_walk_check.cc)', { skip: compilerMissing || unsupported, timeout: 300000 }, () => {
  const sources = [path.join(CHECKS, 'json_walk_check.cc'), ...['json_walk.cc', 'json_walk.h', 'cpu.cc', 'cpu.h'].map((f) => path.join(NATIVE, f))];
  const exe = binary('walk-check', sources, (tmp) => {
    // Two builds of the walk side by side (namespaces abA and abB): A with the number blocks, B without.
    const objects = ['A', 'B'].flatMap((v) =>
      ['json_walk', 'cpu'].map((unit) => {
        const o = `${tmp}.${unit}${v}.o`;
        compile([`-Dafterburner=ab${v}`, ...(v === 'B' ? ['-DAB_WALK_NO_RUNS'] : []), '-c', path.join(NATIVE, `${unit}.cc`), '-o', o]);
        return o;
      }),
    );
    compile([path.join(CHECKS, 'json_walk_check.cc'), ...objects, simdjsonObject(), '-o', tmp]);
    for (const o of objects) fs.rmSync(o, { force: true });
  });
  const out = runCheck(exe, ['20261125', '100000']);
  assert.match(out, /no read past the end/);
  assert.match(out, /block boundaries: [1-9]\d* documents, [1-9]\d* valid, windows and per token agree/);
  assert.match(out, /number arrays: [1-9]\d* documents past stage 1, [1-9]\d* valid, windows and per token agree/);
});

// The processor's own flags, not the addon's choice (AFTERBURNER_JSON_WIDE may switch that off).
function cpuFlags() {
  try {
    const line = fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'));
    return new Set(line ? line.split(':')[1].trim().split(/\s+/) : []);
  } catch {
    return new Set();
  }
}
const flags = cpuFlags();
const SCALAR = ['pclmulqdq', 'bmi1', 'bmi2', 'popcnt'];
const BUILDS = [
  // [name, AFTERBURNER_JSON_WIDE, processor flags it needs]
  ['avx512', undefined, ['avx512f', 'avx512bw', 'avx512vl', 'avx512_vbmi2', ...SCALAR]],
  ['avx2', 'avx2', ['avx2', ...SCALAR]],
];

for (const [build, wide, needs] of BUILDS) {
  const missing = needs.filter((f) => !flags.has(f));
  const noBuild = missing.length > 0 && `the ${build} stage 1 needs ${missing.join(', ')}`;
  test(`the addon's own stage 1 (${build}): same verdicts and indexes as simdjson's stage 1 plus per-token escape checks (test/native/json_index_check.cc)`, { skip: compilerMissing || unsupported || noBuild, timeout: 300000 }, () => {
    const units = ['json_index.cc', 'json_walk.cc', 'cpu.cc'].map((f) => path.join(NATIVE, f));
    const sources = [path.join(CHECKS, 'json_index_check.cc'), ...units, ...['json_index.h', 'json_walk.h', 'cpu.h'].map((f) => path.join(NATIVE, f))];
    const exe = binary('index-check', sources, (tmp) => {
      compile([path.join(CHECKS, 'json_index_check.cc'), ...units, simdjsonObject(), '-o', tmp]);
    });
    const files = corpusFiles().map((f) => f.file);
    const env = { ...process.env, AFTERBURNER_JSON_WIDE: wide };
    if (wide === undefined) delete env.AFTERBURNER_JSON_WIDE;
    const out = runCheck(exe, ['60000', ...files], env);
    assert.match(out, new RegExp(`^stage 1: ${build}$`, 'm'));
    assert.doesNotMatch(out, /MISMATCH|DIFFERENT/);
    assert.match(out, /escape docs valid [1-9]/);
    assert.match(out, /utf8 docs [1-9]\d*, invalid utf8 [1-9]/);
    assert.match(out, /number docs [1-9]\d*, valid [1-9]/);
    assert.match(out, /60000 docs, valid [1-9]\d* invalid [1-9]\d* unsure [1-9]\d*, mismatches 0/);
    for (const f of files) assert.match(out, new RegExp(`${path.basename(f).replace(/\./g, '\\.')} old 0 new 0 indexes same`));
  });
}
