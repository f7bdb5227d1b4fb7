'use strict';
// Shared by the test files: run a child node with the package preloaded the way users do it.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const REGISTER = path.join(ROOT, 'register.js');

/** Environment with every AFTERBURNER_* variable removed, so the parent's settings never leak in. */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('AFTERBURNER') && k !== 'NODE_OPTIONS') env[k] = v;
  }
  return { ...env, ...extra };
}

/**
 * Runs `code` (a CommonJS script body) in a child node. `preload`: 'require' | 'import' |
 * 'node_options' | 'none'. Returns { status, signal, stdout, stderr, json } where json is the
 * last stdout line parsed, when it parses.
 */
function runNode(code, { preload = 'require', env = {}, args = [], timeout = 30000 } = {}) {
  const nodeArgs = [...args];
  const childEnv = cleanEnv(env);
  if (preload === 'require') nodeArgs.push('--require', REGISTER);
  else if (preload === 'import') nodeArgs.push('--import', `file://${REGISTER}`);
  else if (preload === 'node_options') childEnv.NODE_OPTIONS = `--require ${REGISTER}`;
  nodeArgs.push('-e', code);
  const run = spawnSync(process.execPath, nodeArgs, { cwd: ROOT, env: childEnv, encoding: 'utf8', timeout });
  let json;
  const lines = run.stdout.trim().split('\n');
  try {
    json = JSON.parse(lines[lines.length - 1]);
  } catch {}
  return { status: run.status, signal: run.signal, stdout: run.stdout, stderr: run.stderr, json };
}

/**
 * Runs `node <args>` asynchronously (so the test process can serve requests meanwhile) and
 * collects its output; SIGKILLs it after `timeout` ms so a hung child never hangs the suite.
 */
function runNodeAsync(args, { timeout = 90000, env = {} } = {}) {
  const { spawn } = require('node:child_process');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const SUPPORTED_MAJORS = [20, 22, 24, 26];

/**
 * The running node plus every other supported major installed in .cache/node (by
 * scripts/node-versions.js; .ci/run installs them): [{ major, node }], running one first.
 */
function nodeBinaries() {
  const fs = require('node:fs');
  const running = Number(process.versions.node.split('.')[0]);
  const list = [{ major: running, node: process.execPath }];
  for (const major of SUPPORTED_MAJORS) {
    const node = path.join(ROOT, '.cache', 'node', String(major), 'bin', 'node');
    if (major !== running && fs.existsSync(node)) list.push({ major, node });
  }
  return list;
}

/** Child code that prints `status()` as JSON. */
const PRINT_STATUS = `console.log(JSON.stringify(require(${JSON.stringify(ROOT)}).status()))`;

module.exports = { ROOT, REGISTER, SUPPORTED_MAJORS, cleanEnv, runNode, runNodeAsync, nodeBinaries, PRINT_STATUS };
