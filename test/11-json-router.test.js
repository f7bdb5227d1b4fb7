'use strict';
// The json patch: JSON.parse becomes a router that keeps the builtin's results and shape, decides
// per runtime from a measured table, reports its decisions, and uninstall() puts the original back.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, runNode, cleanEnv } = require('./helpers');
const corpus = require('../benchmarks/json/corpus');

const ab = require(ROOT);
const { ROUTES, routeFor } = require(path.join(ROOT, 'dist', 'patches', 'json.js'));
const builtin = JSON.parse;
const nativeLoaded = ab.status().native.loaded;
const skipNative = !nativeLoaded && 'native addon not built';

function install(env = {}) {
  ab.uninstall();
  return ab.install({ json: true, timers: false, gc: false, weak: false, log: 'silent', env: cleanEnv(env) });
}

test('installed: JSON.parse is a router named "parse" with length 2, not a constructor; uninstall() restores the original', { skip: skipNative }, () => {
  const s = install();
  assert.equal(s.json.active, true, s.json.reason);
  assert.notEqual(JSON.parse, builtin);
  assert.equal(JSON.parse.name, 'parse');
  assert.equal(JSON.parse.length, 2);
  assert.equal(String(JSON.parse), String(builtin));
  assert.throws(() => new JSON.parse('1'), TypeError);
  const desc = Object.getOwnPropertyDescriptor(JSON, 'parse');
  assert.deepEqual({ ...desc, value: undefined }, { ...Object.getOwnPropertyDescriptor(Object.assign({}, { parse: 1 }), 'parse'), enumerable: false, value: undefined });
  ab.uninstall();
  assert.equal(JSON.parse, builtin);
});

test('status() reports the route, thresholds, node version and counts of each decision', { skip: skipNative }, () => {
  install({ AFTERBURNER_JSON_ROUTE: 'native' });
  JSON.parse('{"a":1}');
  assert.throws(() => JSON.parse('[1,2'), SyntaxError);
  try {
    JSON.parse('{bad');
  } catch {}
  JSON.parse('[1]', (k, v) => v);
  const s = ab.status().json;
  assert.equal(s.route, 'native');
  assert.equal(s.node, process.versions.node);
  assert.deepEqual(s.counts, { native: 1, builtin: 1, fallbacks: 2 });
  install({ AFTERBURNER_JSON_ROUTE: 'builtin' });
  JSON.parse('{"a":1}');
  const b = ab.status().json;
  assert.equal(b.active, true);
  assert.match(b.reason, /builtin kept for every call/);
  assert.deepEqual(b.counts, { native: 0, builtin: 1, fallbacks: 0 });
  ab.uninstall();
});

test('an invalid AFTERBURNER_JSON_ROUTE warns once and the measured table applies', { skip: skipNative }, () => {
  const { status, json, stderr } = runNode(`console.log(JSON.stringify(require(${JSON.stringify(ROOT)}).status().json))`, {
    env: { AFTERBURNER_JSON_ROUTE: 'fastest' },
  });
  assert.equal(status, 0, stderr);
  assert.equal(json.route, 'auto');
  assert.equal(stderr.split('\n').filter((l) => l.includes('AFTERBURNER_JSON_ROUTE')).length, 1, stderr);
});

test('results through the router equal the builtin\'s on the corpus, with every string forced native and with the measured table', { skip: skipNative }, () => {
  const docs = corpus.load();
  for (const route of ['native', 'auto']) {
    install({ AFTERBURNER_JSON_ROUTE: route });
    for (const d of docs) {
      const got = JSON.parse(d.text);
      const want = builtin(d.text);
      assert.deepStrictEqual(got, want, `${route}: ${d.name}`);
      assert.equal(JSON.stringify(got), JSON.stringify(want), `${route}: ${d.name} key order`);
    }
  }
  const s = ab.status().json;
  ab.uninstall();
  assert.ok(s.counts.native + s.counts.builtin + s.counts.fallbacks >= corpus.load().length);
});

test('small payloads never take the native path (one length compare decides)', { skip: skipNative }, () => {
  install();
  const small = corpus.apiPayload(200);
  for (let i = 0; i < 100; i++) JSON.parse(small);
  const s = ab.status().json;
  ab.uninstall();
  assert.equal(s.counts.native, 0);
  assert.equal(s.counts.builtin, 100);
  if (s.thresholds) assert.ok(s.thresholds.minLength > small.length);
});

test('the routing table is per V8 major and differs where the measured data differ', () => {
  const majors = Object.keys(ROUTES);
  assert.ok(majors.length >= 4, 'Node 20, 22, 24 and 26 each have an entry');
  const v8 = process.versions.v8.split('.')[0];
  assert.ok(majors.includes(v8), `an entry for this runtime's V8 ${v8}`);
  // Node 24's builtin parses numbers ~2x faster than Node 20's: its table must not be Node 20's.
  assert.notDeepEqual(ROUTES['13'], ROUTES['11']);
  assert.equal(routeFor('1'), null, 'an unknown V8 keeps the builtin');
});

const otherNodes = [20, 22, 24, 26]
  .map((major) => ({ major, bin: path.join(ROOT, '.cache', 'node', String(major), 'bin', 'node') }))
  .filter((n) => fs.existsSync(n.bin));

test('each installed Node version reports the thresholds of its own V8 major', { skip: (skipNative || !otherNodes.length) && 'no other Node binaries or no addon' }, () => {
  const { spawnSync } = require('node:child_process');
  for (const { major, bin } of otherNodes) {
    const code = `const s = require(${JSON.stringify(ROOT)}).status().json; console.log(JSON.stringify({ v8: process.versions.v8, s }))`;
    const run = spawnSync(bin, ['--require', path.join(ROOT, 'register.js'), '-e', code], { env: cleanEnv(), encoding: 'utf8', timeout: 30000 });
    assert.equal(run.status, 0, run.stderr);
    const { v8, s } = JSON.parse(run.stdout.trim().split('\n').pop());
    assert.equal(s.active, true, `node ${major}: ${s.reason}`);
    assert.deepEqual(s.thresholds, routeFor(v8.split('.')[0]), `node ${major}`);
  }
});
