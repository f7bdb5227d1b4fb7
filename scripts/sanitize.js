#!/usr/bin/env node
'use strict';
// `npm run fuzz`: the addon built with AddressSanitizer and UndefinedBehaviorSanitizer (gcc's
// libasan and libubsan) into .cache/sanitize/, then the seeded differential fuzz of
// test/json/sanitize-fuzz.js run on it once per mode (each its own node process, the sanitizer
// runtimes preloaded). Any difference from the builtin, any sanitizer report, or a child that dies
// fails the run, printing the seed, mode and input index to replay.
//
//   npm run fuzz                          about a minute, all modes, a random seed
//   npm run fuzz -- --minutes 30          longer
//   npm run fuzz -- --seed 7 --mode wide0 --replay 1234     one input again, in a fresh process
//
// Options: --minutes M (whole run, shared between the modes; default 1), --count N (inputs per
// mode instead of a time limit), --seed S, --mode m1,m2 (default, wide0, avx2, onebyte0),
// --replay I [--worker] (input I alone; --worker: in a fresh worker thread, as the report said),
// --from I (start at input I), --node <major> (children on .cache/node/<major>/bin/node, see
// node-versions.js; default the node running this script), --build-only, --no-sanitizers (the
// same fuzz on build/Release, for a quick check).
//
// Only the addon is instrumented: node and V8 are not, so memory V8 owns (its heap, strings) has
// no redzones, while ArrayBuffer backing stores (malloc'd by node) and the addon's own buffers do.
const { spawn, spawnSync, execSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
// Not under build/: node-gyp rebuild (npm install, build:native) deletes build/ whole.
const outDir = path.join(root, '.cache', 'sanitize');
const addonPath = path.join(outDir, 'afterburner.node');
const child = path.join(root, 'test', 'json', 'sanitize-fuzz.js');

const SANITIZE = ['-fsanitize=address,undefined', '-fno-omit-frame-pointer', '-fno-sanitize-recover=undefined'];

// The modes: environment of the child on top of AFTERBURNER_JSON_ROUTE=native.
const MODES = {
  default: {},
  wide0: { AFTERBURNER_JSON_WIDE: '0' },
  avx2: { AFTERBURNER_JSON_WIDE: 'avx2' },
  onebyte0: { AFTERBURNER_JSON_ONEBYTE: '0' },
};

function parseArgs(argv) {
  const opts = { minutes: 1, count: 0, seed: null, modes: Object.keys(MODES), replay: null, worker: false, from: 0, node: null, buildOnly: false, sanitizers: true };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s);
    const value = () => (inline !== undefined ? inline : argv[++i]);
    const number = (name) => {
      const n = Number(value());
      if (!Number.isFinite(n) || n < 0) usage(`${name} needs a non-negative number`);
      return n;
    };
    switch (flag) {
      case '--minutes': opts.minutes = number('--minutes'); break;
      case '--count': opts.count = Math.floor(number('--count')); break;
      case '--seed': opts.seed = Math.floor(number('--seed')) >>> 0; break;
      case '--replay': opts.replay = Math.floor(number('--replay')); break;
      case '--worker': opts.worker = true; break;
      case '--from': opts.from = Math.floor(number('--from')); break;
      case '--node': opts.node = value(); break;
      case '--mode': case '--modes': opts.modes = String(value()).split(',').filter(Boolean); break;
      case '--build-only': opts.buildOnly = true; break;
      case '--no-sanitizers': opts.sanitizers = false; break;
      case '-h': case '--help': usage(); break;
      default: usage(`unknown argument ${argv[i]}`);
    }
  }
  for (const m of opts.modes) if (!MODES[m]) usage(`unknown mode ${m} (modes: ${Object.keys(MODES).join(', ')})`);
  if (opts.seed === null) opts.seed = crypto.randomBytes(4).readUInt32LE(0);
  return opts;
}

function usage(error) {
  const lines = fs.readFileSync(__filename, 'utf8').split('\n').slice(2);
  const text = lines.slice(0, lines.findIndex((l) => !l.startsWith('//'))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n');
  (error ? console.error : console.log)(`${error ? `sanitize: ${error}\n\n` : ''}${text}`);
  process.exit(error ? 2 : 0);
}

// ---------------------------------------------------------------------------------------------
// Build: binding.gyp's own sources, include dirs, defines and C++ flags (so the sanitizer build
// is the shipped code), plus the defines and flags node-gyp's common.gypi adds, compiled by g++
// directly: one object per source under .cache/sanitize/, rebuilt when a source or a header it
// includes (gcc -MMD) or the command line changed.

function readGyp() {
  const text = fs.readFileSync(path.join(root, 'binding.gyp'), 'utf8');
  // A Python literal; this one is JSON once its comment lines are gone.
  const json = text.split('\n').filter((line) => !/^\s*#/.test(line)).join('\n');
  const target = JSON.parse(json).targets.find((t) => t.target_name === 'afterburner');
  if (!target) throw new Error('binding.gyp has no target "afterburner"');
  // `<!(command)` is gyp's command expansion, run from the package root like node-gyp does.
  const expand = (s) => s.replace(/^<!\((.*)\)$/s, (_, cmd) => execSync(cmd, { cwd: root, encoding: 'utf8' }).trim());
  return {
    sources: target.sources.map(expand).map((s) => path.resolve(root, s)),
    includes: target.include_dirs.map(expand).map((s) => path.resolve(root, s)),
    defines: target.defines,
    cflagsCc: target.cflags_cc,
  };
}

/** Node's headers (node_api.h): beside the node binary that runs the fuzz, else npm's nodedir. */
function nodeHeaders(nodeBin) {
  const dirs = [path.resolve(path.dirname(nodeBin), '..', 'include', 'node')];
  if (process.env.npm_config_nodedir) dirs.push(path.join(process.env.npm_config_nodedir, 'include', 'node'));
  dirs.push(path.resolve(path.dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node');
  const found = dirs.find((d) => fs.existsSync(path.join(d, 'node_api.h')));
  if (!found) throw new Error(`node_api.h not found (looked in ${dirs.join(', ')})`);
  return found;
}

function commandFor(gyp, headers, source, object) {
  return [
    'g++', '-c', source, '-o', object,
    ...['NODE_GYP_MODULE_NAME=afterburner', 'BUILDING_NODE_EXTENSION', '_GLIBCXX_USE_CXX11_ABI=1', '_FILE_OFFSET_BITS=64',
      '_LARGEFILE_SOURCE', '__STDC_FORMAT_MACROS', ...gyp.defines].map((d) => `-D${d}`),
    `-I${headers}`, ...gyp.includes.map((d) => `-I${d}`),
    '-fPIC', '-pthread', '-m64', '-g', ...gyp.cflagsCc, ...SANITIZE,
    '-MMD', '-MF', `${object}.d`,
  ];
}

/** Whether `object` is older than its command line or anything gcc said it depends on. */
function stale(object, command) {
  const stamp = `${object}.cmd`;
  if (!fs.existsSync(object) || !fs.existsSync(stamp) || !fs.existsSync(`${object}.d`)) return true;
  if (fs.readFileSync(stamp, 'utf8') !== JSON.stringify(command)) return true;
  const built = fs.statSync(object).mtimeMs;
  const deps = fs.readFileSync(`${object}.d`, 'utf8').replace(/\\\n/g, ' ').split(':').slice(1).join(':').split(/\s+/).filter(Boolean);
  return deps.some((dep) => !fs.existsSync(dep) || fs.statSync(dep).mtimeMs > built);
}

function run(command) {
  return new Promise((resolve) => {
    const p = spawn(command[0], command.slice(1), { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    p.on('error', (error) => resolve({ code: -1, error }));
    p.on('exit', (code, signal) => resolve({ code: code ?? signal }));
  });
}

async function build(nodeBin) {
  const started = Date.now();
  const gyp = readGyp();
  const headers = nodeHeaders(nodeBin);
  fs.mkdirSync(outDir, { recursive: true });
  const jobs = gyp.sources.map((source) => {
    const object = path.join(outDir, `${path.basename(source).replace(/\.[^.]+$/, '')}.o`);
    return { source, object, command: commandFor(gyp, headers, source, object) };
  });
  const todo = jobs.filter((j) => stale(j.object, j.command));
  // Largest first: simdjson.cpp alone is most of the build.
  todo.sort((a, b) => fs.statSync(b.source).size - fs.statSync(a.source).size);
  if (todo.length) console.log(`sanitize: compiling ${todo.map((j) => path.basename(j.source)).join(', ')} with ${SANITIZE.join(' ')}`);
  const parallel = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  let failed = null;
  const queue = [...todo];
  await Promise.all(Array.from({ length: Math.min(parallel, queue.length) }, async () => {
    for (let job = queue.shift(); job && !failed; job = queue.shift()) {
      fs.rmSync(`${job.object}.cmd`, { force: true });
      const r = await run(job.command);
      if (r.code !== 0) failed = `${path.basename(job.source)}: g++ exited with ${r.code}${r.error ? ` (${r.error.message})` : ''}`;
      else fs.writeFileSync(`${job.object}.cmd`, JSON.stringify(job.command));
    }
  }));
  if (failed) throw new Error(`sanitizer build failed: ${failed}`);
  const objects = jobs.map((j) => j.object);
  const newest = Math.max(...objects.map((o) => fs.statSync(o).mtimeMs));
  if (todo.length || !fs.existsSync(addonPath) || fs.statSync(addonPath).mtimeMs < newest) {
    const link = ['g++', '-shared', '-pthread', '-o', addonPath, ...objects, ...SANITIZE];
    const r = await run(link);
    if (r.code !== 0) throw new Error(`sanitizer build failed: link exited with ${r.code}`);
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(`sanitize: ${path.relative(root, addonPath)} ${todo.length ? `built in ${seconds.toFixed(1)} s` : 'up to date'}`);
}

/** The runtimes to preload into node, which itself is not built with them. */
function runtimes() {
  const libs = ['libasan.so', 'libubsan.so'].map((name) => {
    const r = spawnSync('gcc', [`-print-file-name=${name}`], { encoding: 'utf8' });
    const file = (r.stdout || '').trim();
    if (r.status !== 0 || !path.isAbsolute(file) || !fs.existsSync(file)) {
      throw new Error(`gcc does not know ${name} (Debian: the libasan8 and libubsan1 packages, dependencies of gcc-12)`);
    }
    return fs.realpathSync(file);
  });
  return libs.join(':');
}

// ---------------------------------------------------------------------------------------------
// Run: one child per mode (as many at once as there are cores). A child that dies (a sanitizer
// report aborts it) is followed by a new one from the next input, while the mode's time lasts.

const MAX_RESTARTS = 20;

function childEnv(mode, opts) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AFTERBURNER') && k !== 'NODE_OPTIONS') env[k] = v;
  Object.assign(env, MODES[mode], { AFTERBURNER_JSON_ROUTE: 'native' });
  if (opts.sanitizers) {
    Object.assign(env, {
      AFTERBURNER_NATIVE_PATH: addonPath,
      LD_PRELOAD: opts.preload,
      // node itself does not free everything at exit: leak reports would be node's, not ours.
      ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1:halt_on_error=1:print_summary=1',
      UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
    });
  }
  return env;
}

/** The sanitizer's report in a child's stderr (from its first line, 40 lines at most), or null. */
function sanitizerReport(stderr) {
  const lines = stderr.split('\n');
  const at = lines.findIndex((l) => /runtime error:|ERROR: AddressSanitizer|ERROR: LeakSanitizer|AddressSanitizer:DEADLYSIGNAL|UndefinedBehaviorSanitizer/.test(l));
  return at < 0 ? null : lines.slice(at, at + 40).join('\n');
}

/** A report's identity: its kind and the first frame in the addon's sources. */
function reportSignature(report) {
  const kind = (report.match(/runtime error: [^\n]*/) || report.match(/ERROR: \w+Sanitizer: [\w-]+/) || [report.split('\n')[0]])[0]
    .replace(/0x[0-9a-f]+/g, '0x…');
  const where = (report.match(/^[^\n]*?([\w./-]+\.(?:cc|cpp|h)):\d+/m) || [])[1];
  const frame = (report.match(/#\d+ 0x[0-9a-f]+ in (\S+) (\S+\.(?:cc|cpp|h):\d+)/) || []).slice(1).join(' ');
  return `${kind}${frame ? ` in ${frame.replace(/^.*\//, '')}` : where ? ` at ${path.basename(where)}` : ''}`;
}

function runChild(nodeBin, mode, args, opts, timeoutMs) {
  return new Promise((resolve) => {
    const p = spawn(nodeBin, ['--allow-natives-syntax', '--expose-externalize-string', child, ...args], { cwd: root, env: childEnv(mode, opts), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => {
      // The first megabyte (a report is printed as the child stops), not all of a runaway child's.
      stderr = stderr.length < 1 << 20 ? stderr + d : stderr;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      p.kill('SIGKILL');
    }, timeoutMs);
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

function lineOf(stdout, tag) {
  const line = stdout.split('\n').find((l) => l.startsWith(`@@${tag} `));
  return line ? JSON.parse(line.slice(tag.length + 3)) : null;
}

async function runMode(nodeBin, mode, opts, seconds) {
  const started = Date.now();
  const progress = path.join(outDir, `progress-${mode}-${process.pid}.txt`);
  const result = { mode, inputs: 0, loopSeconds: 0, native: 0, builtin: 0, fallbacks: 0, families: {}, forms: {}, findings: [], restarts: 0, info: null };
  const add = (into, from) => {
    for (const [k, v] of Object.entries(from || {})) into[k] = (into[k] ?? 0) + v;
  };
  const findings = new Map();
  const found = (sig, finding) => {
    const known = findings.get(sig);
    if (known) known.count += finding.count ?? 1;
    else findings.set(sig, { count: 1, ...finding, signature: sig });
  };
  let from = opts.replay ?? opts.from;
  let first = true;
  for (;;) {
    const procFrom = from;
    const left = seconds - (Date.now() - started) / 1000;
    const args = ['--seed', String(opts.seed), '--progress', progress];
    if (opts.replay !== null) args.push('--replay', String(opts.replay), ...(opts.worker ? ['--worker'] : []));
    else {
      args.push('--from', String(from));
      if (opts.count) args.push('--count', String(opts.count - result.inputs));
      else args.push('--seconds', String(Math.max(1, left)));
      if (!first || from > 0) args.push('--no-worker');
    }
    fs.rmSync(progress, { force: true });
    const timeout = ((opts.count || opts.replay !== null ? 3600 : Math.max(1, left)) + 300) * 1000;
    const r = await runChild(nodeBin, mode, args, opts, timeout);
    result.info ??= lineOf(r.stdout, 'info');
    const parts = ['worker', 'main'].map((tag) => lineOf(r.stdout, tag)).filter(Boolean);
    for (const part of parts) {
      result.inputs += part.inputs;
      result.loopSeconds += part.seconds ?? 0;
      if (part.phase === 'main') {
        result.native += part.counts?.native ?? 0;
        result.builtin += part.counts?.builtin ?? 0;
        result.fallbacks += part.counts?.fallbacks ?? 0;
      }
      add(result.families, part.families);
      add(result.forms, part.forms);
      for (const f of part.findings || []) found(`difference ${f.signature ?? f.diffs.join(' | ')}`, { kind: 'difference', ...f, from: f.phase === 'main' ? procFrom : 0 });
    }
    const report = opts.sanitizers ? sanitizerReport(r.stderr) : null;
    const died = r.code !== 0 && !(r.code === 1 && parts.some((p) => p.phase === 'main'));
    if (!report && !died && !r.timedOut) break;
    // Died: where it was, from the progress file.
    const [phase, at] = fs.existsSync(progress) ? fs.readFileSync(progress, 'utf8').trim().split(/\s+/) : ['start', String(from)];
    const index = Number(at);
    const why = r.timedOut ? 'timed out' : report ? 'sanitizer report' : `exited with ${r.code ?? r.signal}`;
    const excerpt = report ?? r.stderr.split('\n').slice(-30).join('\n');
    found(report ? `sanitizer ${reportSignature(report)}` : `died ${why}`, { kind: why, phase, index, from: phase === 'main' ? procFrom : 0, report: excerpt });
    if (opts.replay !== null || result.restarts >= MAX_RESTARTS) break;
    if (opts.count ? result.inputs >= opts.count : (Date.now() - started) / 1000 >= seconds - 1) break;
    // The next process starts after the input that stopped this one (a crash in the worker: from
    // input 1 in the main thread, the worker's input 0 having been the main thread's first too).
    from = Number.isFinite(index) ? index + 1 : from + 1;
    // The inputs a dead main thread ran are in no summary: its progress says how many.
    if (phase === 'main' && Number.isFinite(index)) result.inputs += index - procFrom;
    result.restarts++;
    first = false;
  }
  fs.rmSync(progress, { force: true });
  result.findings = [...findings.values()];
  result.wallSeconds = (Date.now() - started) / 1000;
  return result;
}
module.exports = { MODES, parseArgs, build, runtimes, addonPath, outDir };

if (require.main === module) {
  main().catch((error) => {
    console.error(`sanitize: ${error.message}`);
    process.exit(1);
  });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const nodeBin = opts.node ? require('./node-versions').nodeFor(Number(opts.node)) : process.execPath;
  if (opts.sanitizers) await build(nodeBin);
  if (opts.buildOnly) return;
  ensureDist();
  if (opts.sanitizers) opts.preload = runtimes();
  const modes = opts.modes;
  const jobs = Math.max(1, Math.min(modes.length, os.availableParallelism?.() ?? os.cpus().length));
  // The whole run's time, shared out: each mode gets its slice of the cores' time.
  const seconds = (opts.minutes * 60 * jobs) / modes.length;
  const what = opts.replay !== null ? `input ${opts.replay}${opts.worker ? ' in a worker' : ''}` : opts.count ? `${opts.count} inputs per mode` : `${seconds.toFixed(0)} s per mode, ${jobs} at a time`;
  console.log(`sanitize: seed ${opts.seed}, modes ${modes.join(', ')}, ${what}, node ${spawnSync(nodeBin, ['-v'], { encoding: 'utf8' }).stdout.trim()}${opts.sanitizers ? '' : ', NO sanitizers (build/Release)'}`);
  const started = Date.now();
  const results = [];
  const queue = [...modes];
  await Promise.all(Array.from({ length: jobs }, async () => {
    for (let mode = queue.shift(); mode; mode = queue.shift()) results.push(await runMode(nodeBin, mode, opts, seconds));
  }));
  results.sort((a, b) => modes.indexOf(a.mode) - modes.indexOf(b.mode));
  report(results, opts, (Date.now() - started) / 1000);
  process.exitCode = results.every((r) => r.findings.length === 0) ? 0 : 1;
}

/** dist/ is what the children load: rebuilt when a source under src/ is newer. */
function ensureDist() {
  const built = path.join(root, 'dist', 'index.js');
  const newest = (dir) => Math.max(0, ...fs.readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).mtimeMs)));
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= newest(path.join(root, 'src'))) return;
  console.log('sanitize: dist/ is older than src/: npm run build');
  const r = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [root] }), '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('tsc failed');
}

function replayCommand(opts, mode, finding) {
  const base = `npm run fuzz -- --seed ${opts.seed} --mode ${mode}${opts.node ? ` --node ${opts.node}` : ''}${opts.sanitizers ? '' : ' --no-sanitizers'}`;
  if (!Number.isFinite(finding.index) || finding.index < 0) return base;
  const one = `${base} --replay ${finding.index}${finding.phase === 'worker' ? ' --worker' : ''}`;
  const prefix = finding.phase === 'main' && finding.index > finding.from ? `  (with the inputs before it in that process: ${base} --from ${finding.from} --count ${finding.index - finding.from + 1})` : '';
  return `${one}${prefix}`;
}

function report(results, opts, wall) {
  console.log('');
  // JSON.parse counts are the main threads' (the worker's fixed inputs aside): strings the native
  // path answered, and strings it handed to the builtin (invalid documents, numbers it cannot hold...).
  console.log('mode      inputs   loop s  inputs/s  JSON.parse native/fell back  stage 1   restarts  findings');
  for (const r of results) {
    const rate = r.loopSeconds ? (r.inputs / r.loopSeconds).toFixed(0) : '-';
    const routes = `${r.native}/${r.fallbacks}`;
    console.log(`${r.mode.padEnd(9)} ${String(r.inputs).padStart(7)}  ${r.loopSeconds.toFixed(0).padStart(6)}  ${rate.padStart(8)}  ${routes.padStart(27)}  ${String(r.info?.jsonIndex ?? '?').padEnd(8)}  ${String(r.restarts).padStart(8)}  ${r.findings.length}`);
  }
  const total = results.reduce((n, r) => n + r.inputs, 0);
  const sum = (key) => {
    const out = {};
    for (const r of results) for (const [k, v] of Object.entries(r[key])) out[k] = (out[k] ?? 0) + v;
    return JSON.stringify(out);
  };
  console.log(`sanitize: ${total} inputs in ${wall.toFixed(0)} s (seed ${opts.seed})`);
  console.log(`  families ${sum('families')}`);
  console.log(`  forms    ${sum('forms')}`);
  for (const r of results) {
    for (const f of r.findings) {
      console.log(`\n[${r.mode}] ${f.kind} (${f.count}x), first at ${f.phase} input ${f.index}${f.family ? ` (${f.family}, ${f.form})` : ''}: ${f.signature}`);
      if (f.input) console.log(`  input: ${f.input}`);
      for (const d of f.diffs || []) console.log(`  ${d}`);
      if (f.report) console.log(f.report.split('\n').map((l) => `  | ${l}`).join('\n'));
      console.log(`  replay: ${replayCommand(opts, r.mode, f)}`);
    }
  }
  const failed = results.filter((r) => r.findings.length).length;
  console.log(`\nsanitize: ${results.length - failed} passed, ${failed} failed`);
}
