#!/usr/bin/env node
'use strict';
// Runs tc39/test262's test/built-ins/JSON/**/*.js on the running node, once per mode — the builtin
// (no preload), the json patch as users get it (--require register.js), and the patch with every
// string forced through the native path (AFTERBURNER_JSON_ROUTE=native) — and reports, per mode,
// the verdict counts and every test whose verdict differs from the builtin's.
//
//   TEST262_DIR=/path/to/test262 node scripts/test262-json.js [--json] [--modes builtin,patched,native]
//
// test262 is not an npm package and nothing of it is committed: TEST262_DIR is a checkout (or any
// copy holding harness/ and test/built-ins/JSON/). Its harness files (assert.js, sta.js and each
// test's `includes`) are read at run time. Each mode is one child process (with or without the
// preload); inside it each test runs in its own worker thread (a fresh realm, as test262 requires),
// in sloppy and strict mode unless its flags say otherwise.
// Exit code: 0 when no mode's verdicts differ from the builtin's, 1 otherwise, 2 on bad usage.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const REGISTER = path.join(ROOT, 'register.js');

const MODES = {
  builtin: { preload: false, env: {} },
  patched: { preload: true, env: {} },
  native: { preload: true, env: { AFTERBURNER_JSON_ROUTE: 'native' } },
};

function parseArgs(argv) {
  const out = { json: false, modes: Object.keys(MODES), dir: process.env.TEST262_DIR, jobs: Math.max(2, Math.min(4, os.cpus().length + 1)) };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') out.json = true;
    else if (argv[i] === '--modes') out.modes = argv[++i].split(',');
    else if (argv[i] === '--dir') out.dir = argv[++i];
    else if (argv[i] === '--jobs') out.jobs = Number(argv[++i]);
    else if (argv[i] === '--child') out.child = argv[++i];
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  for (const m of out.modes) if (!MODES[m]) throw new Error(`unknown mode ${m} (modes: ${Object.keys(MODES).join(', ')})`);
  if (!out.modes.includes('builtin')) out.modes.unshift('builtin');
  return out;
}

/** The YAML front matter fields test262 tests use here: includes, flags, features, negative. */
function frontMatter(source) {
  const m = /\/\*---([\s\S]*?)---\*\//.exec(source);
  const meta = { includes: [], flags: [], features: [], negative: null };
  if (!m) return meta;
  const yaml = m[1];
  for (const field of ['includes', 'flags', 'features']) {
    const inline = new RegExp(`^${field}:\\s*\\[([^\\]]*)\\]`, 'm').exec(yaml);
    if (inline) meta[field] = inline[1].split(',').map((s) => s.trim()).filter(Boolean);
    else {
      const block = new RegExp(`^${field}:\\s*\\n((?:\\s+-\\s*.+\\n?)+)`, 'm').exec(yaml);
      if (block) meta[field] = block[1].split('\n').map((l) => l.replace(/^\s*-\s*/, '').trim()).filter(Boolean);
    }
  }
  const neg = /^negative:\s*\n\s+phase:\s*(\w+)\s*\n\s+type:\s*(\w+)/m.exec(yaml) || /^negative:\s*\n\s+type:\s*(\w+)\s*\n\s+phase:\s*(\w+)/m.exec(yaml);
  if (neg) meta.negative = /phase/.test(neg[0].split('\n')[1]) ? { phase: neg[1], type: neg[2] } : { phase: neg[2], type: neg[1] };
  return meta;
}

function listTests(dir) {
  const base = path.join(dir, 'test', 'built-ins', 'JSON');
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith('.js') && !e.name.includes('_FIXTURE')) out.push(full);
    }
  };
  walk(base);
  return out;
}

const harnessCache = new Map();
function harness(dir, name) {
  if (!harnessCache.has(name)) harnessCache.set(name, fs.readFileSync(path.join(dir, 'harness', name), 'utf8'));
  return harnessCache.get(name);
}

// Prints a marker the parent reads, so a thrown value's type is known even for negative tests.
const PRELUDE = `process.on('uncaughtException', function (e) {
  var name = e && e.constructor && e.constructor.name;
  process.stdout.write('\\n@@THROWN ' + name + ': ' + String(e && e.message) + '\\n');
  process.exit(3);
});
`;

/** The runs for one test file: [{ strict, source, meta }]. */
function variants(dir, file) {
  const source = fs.readFileSync(file, 'utf8');
  const meta = frontMatter(source);
  const raw = meta.flags.includes('raw');
  const includes = raw ? [] : ['assert.js', 'sta.js', ...(meta.flags.includes('async') ? ['doneprintHandle.js'] : []), ...meta.includes];
  const body = includes.map((h) => harness(dir, h)).join('\n') + '\n' + source;
  const out = [];
  if (!meta.flags.includes('onlyStrict')) out.push({ strict: false, source: PRELUDE + body, meta });
  if (!meta.flags.includes('noStrict') && !raw) out.push({ strict: true, source: `"use strict";\n${PRELUDE}${body}`, meta });
  return out;
}

// Verdict of one run from what it printed and how it ended.
function verdictOf(meta, code, stdout, stderr, killed) {
  const thrown = /@@THROWN ([^\n]*)/.exec(stdout);
  let verdict;
  if (meta.negative) verdict = thrown && thrown[1].startsWith(`${meta.negative.type}:`) ? 'pass' : 'fail';
  else if (meta.flags.includes('async')) verdict = code === 0 && /Test262:AsyncTestComplete/.test(stdout) ? 'pass' : 'fail';
  else verdict = code === 0 && !thrown ? 'pass' : 'fail';
  const detail = killed ? 'timed out' : thrown ? thrown[1] : code !== 0 ? `exit ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : '';
  return { verdict, detail };
}

// Each test runs in a fresh worker thread: a new isolate and realm (what test262 asks for) at a
// fraction of a process start. A --require'd preload runs in every worker, as in a user's service.
const WORKER_CODE = `require('node:vm').runInThisContext(require('node:worker_threads').workerData.src, { filename: 'test262.js' });`;

function runInWorker(variant) {
  const { Worker } = require('node:worker_threads');
  return new Promise((resolve) => {
    const worker = new Worker(WORKER_CODE, { eval: true, workerData: { src: variant.source }, stdout: true, stderr: true });
    let stdout = '';
    let stderr = '';
    let killed = false;
    worker.stdout.on('data', (d) => (stdout += d));
    worker.stderr.on('data', (d) => (stderr += d));
    let error = null;
    worker.on('error', (e) => (error = e));
    const timer = setTimeout(() => {
      killed = true;
      worker.terminate();
    }, 30000);
    worker.on('exit', (code) => {
      clearTimeout(timer);
      // Let the piped output drain before reading it.
      setImmediate(() => {
        if (error) stdout += `\n@@THROWN ${error.constructor && error.constructor.name}: ${error.message}\n`;
        resolve(verdictOf(variant.meta, error ? 1 : code, stdout, stderr, killed));
      });
    });
  });
}

/** Child side: run every variant listed in the file, print the results as one JSON line. */
async function child(listFile, jobs) {
  const runs = JSON.parse(fs.readFileSync(listFile, 'utf8'));
  const results = await pool(runs, jobs, (r) => runInWorker(r.v));
  // What the tests saw: the json patch's status inside a worker, where they ran.
  const status = await new Promise((resolve) => {
    const { Worker } = require('node:worker_threads');
    const code = `const { parentPort } = require('node:worker_threads');
      const s = require(${JSON.stringify(ROOT)}).status().json;
      parentPort.postMessage({ ...s, replaced: !/\\[native code\\]/.test(Function.prototype.toString.call(JSON.parse)) });`;
    const w = new Worker(code, { eval: true });
    w.once('message', (m) => { resolve(m); w.terminate(); });
    w.once('error', (e) => resolve({ error: String(e) }));
  });
  process.stdout.write(`${JSON.stringify({ results, status })}\n`);
}

function runMode(mode, listFile, jobs) {
  return new Promise((resolve, reject) => {
    const args = [];
    if (MODES[mode].preload) args.push('--require', REGISTER);
    args.push(__filename, '--child', listFile, '--jobs', String(jobs));
    const env = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AFTERBURNER') && k !== 'NODE_OPTIONS') env[k] = v;
    Object.assign(env, { AFTERBURNER_LOG: 'silent' }, MODES[mode].env);
    const proc = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.on('close', (code) => {
      const last = out.trim().split('\n').pop();
      try {
        resolve(JSON.parse(last));
      } catch {
        reject(new Error(`mode ${mode}: child exited ${code} without results`));
      }
    });
  });
}

async function pool(items, jobs, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  return results;
}

async function main() {
  if (process.argv[2] === '--child') return child(process.argv[3], Number(process.argv[5]) || 2);
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`test262-json: ${err.message}`);
    process.exit(2);
  }
  if (!opts.dir || !fs.existsSync(path.join(opts.dir, 'harness', 'assert.js')) || !fs.existsSync(path.join(opts.dir, 'test', 'built-ins', 'JSON'))) {
    console.error('test262-json: set TEST262_DIR (or --dir) to a tc39/test262 checkout (with harness/ and test/built-ins/JSON/)');
    process.exit(2);
  }
  const files = listTests(opts.dir);
  const runs = [];
  for (const file of files) for (const v of variants(opts.dir, file)) runs.push({ name: `${path.relative(path.join(opts.dir, 'test'), file)}${v.strict ? ' (strict)' : ''}`, v });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'test262-json-'));
  const listFile = path.join(tmp, 'runs.json');
  fs.writeFileSync(listFile, JSON.stringify(runs));
  const started = Date.now();
  const byMode = {};
  const statuses = {};
  try {
    for (const mode of opts.modes) {
      const { results, status } = await runMode(mode, listFile, opts.jobs);
      byMode[mode] = results;
      statuses[mode] = status;
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const summary = { node: process.version, files: files.length, runs: runs.length, seconds: Math.round((Date.now() - started) / 1000), modes: {}, status: statuses, differences: [] };
  for (const mode of opts.modes) {
    const res = byMode[mode];
    summary.modes[mode] = { pass: res.filter((r) => r.verdict === 'pass').length, fail: res.filter((r) => r.verdict === 'fail').length };
    if (mode === 'builtin') {
      summary.modes[mode].failing = runs.map((r, i) => [r.name, res[i]]).filter(([, x]) => x.verdict === 'fail').map(([n, x]) => `${n}: ${x.detail}`);
      continue;
    }
    runs.forEach((r, i) => {
      const a = byMode.builtin[i];
      const b = res[i];
      if (a.verdict !== b.verdict) summary.differences.push({ mode, test: r.name, builtin: `${a.verdict} ${a.detail}`.trim(), [mode]: `${b.verdict} ${b.detail}`.trim() });
    });
  }
  if (opts.json) {
    console.log(JSON.stringify(summary));
  } else {
    console.log(`test262 built-ins/JSON on node ${summary.node}: ${summary.files} files, ${summary.runs} runs (sloppy + strict), ${summary.seconds} s`);
    for (const [mode, c] of Object.entries(summary.modes)) {
      const st = summary.status[mode] || {};
      const how = `  (json patch in the test workers: ${st.active ? 'active' : 'inactive'}${st.route ? `, route ${st.route}` : ''}${st.replaced ? ', JSON.parse replaced' : ''}${st.reason ? `; ${st.reason}` : ''})`;
      console.log(`  ${mode.padEnd(8)} pass ${c.pass}  fail ${c.fail}${how}`);
    }
    if (summary.modes.builtin.failing.length) {
      console.log('  failing on the builtin itself (features this node lacks, or harness limits):');
      for (const f of summary.modes.builtin.failing) console.log(`    ${f}`);
    }
    if (summary.differences.length) {
      console.log('  verdicts that differ from the builtin:');
      for (const d of summary.differences) console.log(`    [${d.mode}] ${d.test}\n      builtin: ${d.builtin}\n      ${d.mode}: ${d[d.mode]}`);
    } else {
      console.log('  no verdict differs from the builtin');
    }
  }
  process.exit(summary.differences.length ? 1 : 0);
}

main();
