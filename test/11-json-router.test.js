'use strict';
// The json patch: JSON.parse becomes a router that keeps the builtin's results and shape, decides
// per runtime from a measured table, reports its decisions, and uninstall() puts the original back.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, runNode, cleanEnv, nodeBinaries } = require('./helpers');
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

// Documents for the routing with V8's one-byte probe: number-heavy (the table's digit share decides
// them) and text-heavy (the route guard decides them), each as a one-byte string and as a two-byte one
// (one CJK character in a string value; V8 then stores the whole document with two bytes per char).
function numberDoc(bytes, extra = 'x') {
  const values = [];
  for (let i = 0; values.join(',').length < bytes; i++) values.push(((i * 7919) % 100003) / 7 - 5000);
  return JSON.stringify({ label: extra, values });
}
function textDoc(bytes, extra = 'x', body = 'lorem ipsum dolor sit amet ') {
  const items = [];
  for (let i = 0; JSON.stringify(items).length < bytes; i++) items.push({ title: `item number ${i} of the list`, body: body.repeat(3), tag: extra });
  return JSON.stringify(items);
}
// Latin-1 letters keep a string one-byte; in the samples they make it "other text", which starts undecided.
const LATIN = 'l\u00f6r\u00e9m \u00efps\u00fcm d\u00f6l\u00f6r s\u00eft \u00e4m\u00eat \u00e9t\u00e9 ';
const probeAvailable = nativeLoaded && (() => {
  install();
  const on = ab.status().json.oneByte === true;
  ab.uninstall();
  return on;
})();
const skipProbe = skipNative || (!probeAvailable && 'V8 IsOneByte not resolvable from this node binary');

test('with the one-byte probe: number-heavy strings from probeMinLength go native, one-byte, Latin-1 and two-byte alike; results identical', { skip: skipProbe }, () => {
  install();
  const t = ab.status().json.thresholds;
  // Above the probe's threshold but below the probe-less one: only the probe sends these native.
  const bytes = Math.max(t.probeMinLength, 4096);
  assert.ok(bytes < t.minLength);
  const oneByte = numberDoc(bytes);
  const twoByte = numberDoc(bytes, '\u4e2d\ud83d\ude00');
  const latin = `{"\u00e9t\u00e9":[${'-0,1.5,'.repeat(bytes / 6)}"\u00ff\u00e0 la carte"],"caf\u00e9":"cr\u00e8me \u00bd"}`;
  for (const doc of [oneByte, twoByte, latin]) {
    const got = JSON.parse(doc);
    assert.deepStrictEqual(got, builtin(doc));
    assert.equal(JSON.stringify(got), JSON.stringify(builtin(doc)));
  }
  assert.ok(Object.is(JSON.parse(latin)['\u00e9t\u00e9'][0], -0));
  assert.deepEqual(ab.status().json.counts, { native: 4, builtin: 0, fallbacks: 0 });
  // A lone surrogate cannot be carried in UTF-8: the native side declines, the builtin keeps it.
  const lone = numberDoc(bytes, '\ud800');
  assert.equal(JSON.parse(lone).label, '\ud800');
  assert.deepEqual(ab.status().json.counts, { native: 4, builtin: 0, fallbacks: 1 });
  // Small payloads: one length compare, builtin.
  JSON.parse(numberDoc(200));
  assert.equal(ab.status().json.counts.builtin, 1);
  ab.uninstall();
});

test('with the one-byte probe: ASCII-looking one-byte text starts native; Latin-1 and two-byte text starts undecided and is timed on both paths, 8 calls each in turn, one class per size and representation', { skip: skipProbe }, () => {
  install();
  const t = ab.status().json.thresholds;
  const bytes = Math.max(t.probeMinLength, 8192);
  const ascii = textDoc(bytes);
  assert.equal(JSON.stringify(JSON.parse(ascii)), JSON.stringify(builtin(ascii)));
  // This version's table says whether ASCII text starts native or undecided (first call: native either way).
  assert.deepEqual(ab.status().json.counts, { native: 1, builtin: 0, fallbacks: 0 });
  assert.deepEqual(ab.status().json.classes.map((c) => [c.rule, c.startedNative]), [[t.asciiTextNative ? 'ascii' : 'text', t.asciiTextNative]]);
  install();
  const oneByte = textDoc(bytes, 'x', LATIN);
  const twoByte = textDoc(bytes, '\u4e2d', LATIN);
  const want = builtin(oneByte);
  for (let i = 0; i < 48; i++) assert.deepStrictEqual(JSON.parse(oneByte), want);
  let s = ab.status().json;
  assert.deepEqual(s.counts, { native: 24, builtin: 24, fallbacks: 0 });
  assert.equal(s.classes.length, 1);
  assert.deepEqual([s.classes[0].rule, s.classes[0].oneByte, s.classes[0].startedNative], ['text', true, false]);
  assert.ok(s.classes[0].nativeNs > 0 && s.classes[0].builtinNs > 0, JSON.stringify(s.classes));
  const wantTwo = builtin(twoByte);
  for (let i = 0; i < 48; i++) assert.deepStrictEqual(JSON.parse(twoByte), wantTwo);
  s = ab.status().json;
  assert.deepEqual(s.counts, { native: 48, builtin: 48, fallbacks: 0 });
  assert.deepEqual(s.classes.map((l) => [l.oneByte, l.calls]), [[true, 48], [false, 48]]);
  // Past the first 48 calls (16 warm-up, then 2 timed runs of 8 per path) the class runs its cheaper path.
  for (let i = 0; i < 100; i++) assert.deepStrictEqual(JSON.parse(oneByte), want);
  s = ab.status().json;
  assert.equal(s.counts.native + s.counts.builtin, 196);
  assert.ok(['native', 'builtin'].includes(s.classes[0].choice));
  ab.uninstall();
});

// Each version's own table, with the probe and with it switched off (AFTERBURNER_JSON_ONEBYTE=0,
// the behaviour when the V8 symbol cannot be resolved): which documents went where.
const ROUTE_CHILD = `
const ab = require(${JSON.stringify(ROOT)});
${numberDoc.toString()}
const t = ab.status().json.thresholds;
const small = numberDoc(Math.max(t.probeMinLength, 4096));
const smallTwo = numberDoc(Math.max(t.probeMinLength, 4096), '\\u4e2d');
const large = numberDoc(t.minLength + 1024);
const same = [small, smallTwo, large].every((d) => JSON.stringify(JSON.parse(d)) === JSON.stringify(ab.json.parse(Buffer.from(d))));
const counts = [];
for (const d of [small, smallTwo, large]) {
  const before = { ...ab.status().json.counts };
  JSON.parse(d);
  const after = ab.status().json.counts;
  counts.push(Object.keys(after).find((k) => after[k] > before[k]));
}
console.log(JSON.stringify({ v8: process.versions.v8, oneByte: ab.status().json.oneByte, thresholds: t, counts, same }));
`;

test('on each Node version: its own table; with the probe number-heavy strings from probeMinLength go native (one- and two-byte); AFTERBURNER_JSON_ONEBYTE=0 degrades to the sampling-only router', { skip: skipNative }, () => {
  const { spawnSync } = require('node:child_process');
  for (const { major, node } of nodeBinaries()) {
    for (const probeEnv of ['1', '0']) {
      const run = spawnSync(node, ['--require', path.join(ROOT, 'register.js'), '-e', ROUTE_CHILD], { env: cleanEnv({ AFTERBURNER_JSON_ONEBYTE: probeEnv }), encoding: 'utf8', timeout: 30000 });
      assert.equal(run.status, 0, run.stderr);
      const r = JSON.parse(run.stdout.trim().split('\n').pop());
      const label = `node ${major}, AFTERBURNER_JSON_ONEBYTE=${probeEnv}`;
      assert.deepEqual(r.thresholds, routeFor(r.v8.split('.')[0]), label);
      assert.equal(r.same, true, label);
      if (probeEnv === '1') {
        assert.equal(r.oneByte, true, `${label}: the V8 symbol resolves on the supported Linux builds`);
        assert.deepEqual(r.counts, ['native', 'native', 'native'], label);
      } else {
        assert.equal(r.oneByte, false, label);
        // The earlier behaviour: below the probe-less threshold everything stays on the builtin.
        assert.deepEqual(r.counts, ['builtin', 'builtin', 'native'], label);
      }
    }
  }
});

// Documents whose key sets change on every call (keys repeated inside a document, so the native
// side keeps them, but new in every document) cost a new factory on every native call: the router
// must notice from the calls themselves (no timing) and keep that size class on the builtin,
// while documents whose keys repeat stay native.
test('key churn: documents with new key sets on every call go to the builtin after two calls, with growing holds; repeated keys stay native', { skip: skipProbe }, () => {
  let seq = 0;
  const idMap = () => {
    const a = `id_${(seq++).toString(36)}_x`;
    const b = `id_${(seq++).toString(36)}_y`;
    return JSON.stringify(Array.from({ length: 40 }, (_, i) => ({ [a]: i, [b]: 'abc', tag: 'abcdefghijklmnopqrstuvwxyz' }))); // ASCII one-byte text of about 2.7 KB: a direct native route
  };
  const rows = (i) => JSON.stringify(Array.from({ length: 80 }, (_, k) => ({ id: i * 100 + k, name: 'row', ok: true })));
  install();
  const t = ab.status().json.thresholds;
  assert.ok(idMap().length >= t.probeMinLength && rows(0).length >= t.probeMinLength, 'both kinds are long enough to route');
  assert.ok(Math.clz32(idMap().length) === Math.clz32(rows(0).length), 'both kinds are in one size class');
  const same = (text) => assert.deepStrictEqual(JSON.parse(text), builtin(text));

  // Repeated keys (only the first call meets new ones): native throughout, no hold.
  for (let i = 0; i < 20; i++) same(rows(i));
  let s = ab.status().json;
  assert.deepEqual(s.counts, { native: 20, builtin: 0, fallbacks: 0 });
  assert.deepEqual(s.churn, { holds: 0, heldClasses: 0 });

  // New keys on every call: two native calls, then the class is held for 255 calls.
  for (let i = 0; i < 2 + 255; i++) same(idMap());
  s = ab.status().json;
  assert.equal(s.counts.native, 22);
  assert.equal(s.counts.builtin, 255);
  assert.equal(s.churn.holds, 1);
  // The look after the hold churns again: held at once, now for twice as long.
  for (let i = 0; i < 1 + 511; i++) same(idMap());
  s = ab.status().json;
  assert.equal(s.counts.native, 23);
  assert.equal(s.counts.builtin, 255 + 511);
  assert.equal(s.churn.holds, 2);
  assert.equal(s.churn.heldClasses, 0, 'the hold has just run out');

  // Repeated keys again in the same class: the next look finds no churn and no hold follows; the
  // class is back with the route guard (which times both paths during its first 48 calls).
  for (let i = 0; i < 30; i++) same(rows(i));
  s = ab.status().json;
  assert.ok(s.counts.native >= 23 + 15, JSON.stringify(s.counts));
  assert.equal(s.counts.native + s.counts.builtin, 23 + 255 + 511 + 30);
  assert.equal(s.churn.holds, 2);
  assert.equal(s.churn.heldClasses, 0);
  ab.uninstall();
});

test('key churn in json.parse: bytes whose key sets change on every call go to the builtin after two calls (the native tables stop growing)', { skip: skipNative }, () => {
  const { tapeStats } = require(path.join(ROOT, 'dist', 'json', 'tape.js'));
  let seq = 0;
  const churning = () => {
    const keys = Array.from({ length: 4 }, () => `user_${(seq++).toString(36).padStart(6, '0')}`);
    return Buffer.from(JSON.stringify(Array.from({ length: 30 }, (_, i) => Object.fromEntries(keys.map((k) => [k, i]))))); // about 2.6 KB: one size class for all of them
  };
  const docs = Array.from({ length: 12 }, churning);
  assert.ok(docs.every((d) => 31 - Math.clz32(d.length) === 31 - Math.clz32(docs[0].length)));
  const shapesAfter = [];
  for (const d of docs) {
    assert.deepStrictEqual(ab.json.parse(d), builtin(d.toString()));
    shapesAfter.push(tapeStats().shapes);
  }
  // The first two calls add their shape each (unless the tables were reset meanwhile); from the third on, nothing.
  assert.ok(shapesAfter[1] > shapesAfter[0] || shapesAfter[1] === 1, `second call learnt its shape (${shapesAfter})`);
  assert.deepEqual(new Set(shapesAfter.slice(2)).size, 1, `no native call after two churning ones (${shapesAfter})`);
});

// Maps keyed by ids: objects of 128 named keys or more are dictionaries in the builtin's result
// and in the native one (built in linear time, keys not kept); below, fast-mode objects whose new
// keys are not kept either. Identical results either way, and the counters say the native path
// built them (no fallback), without growing the key table.
test('maps keyed by ids above and below 128 keys: identical results on the native route, nothing kept', { skip: skipNative }, () => {
  const { tapeStats } = require(path.join(ROOT, 'dist', 'json', 'tape.js'));
  install({ AFTERBURNER_JSON_ROUTE: 'native' });
  const { idMaps } = require('../benchmarks/json/traffic');
  const keysBefore = tapeStats().keys;
  let calls = 0;
  for (const entries of [1, 50, 127, 128, 129, 500, 5000]) {
    const next = idMaps(entries, entries);
    for (let i = 0; i < 3; i++) {
      const text = next();
      const got = JSON.parse(text);
      const want = builtin(text);
      assert.deepStrictEqual(got, want, `${entries} entries`);
      assert.deepEqual(Object.keys(got), Object.keys(want));
      calls++;
    }
  }
  // Numeric keys (array indexes) are elements, not properties: 300 of them plus a few names.
  const mixed = JSON.stringify(Object.fromEntries([...Array.from({ length: 300 }, (_, i) => [String(i * 7 + 1), i]), ['a', 1], ['__proto__', 2], ['4294967295', 3]]));
  assert.deepStrictEqual(JSON.parse(mixed), builtin(mixed));
  assert.equal(Object.getOwnPropertyDescriptor(JSON.parse(mixed), '__proto__').value, 2);
  const s = ab.status().json;
  assert.deepEqual(s.counts, { native: calls + 2, builtin: 0, fallbacks: 0 });
  // Only the inner objects' three keys (n, ok, name) are kept.
  assert.ok(tapeStats().keys - keysBefore <= 3, `keys kept: ${tapeStats().keys - keysBefore}`);
  ab.uninstall();
});
