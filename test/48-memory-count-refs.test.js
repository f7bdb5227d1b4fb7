'use strict';
// objgraph's count / by_type / show_growth(types) without a heap snapshot (Runtime.queryObjects),
// and show_refs with pictures: refsDot's forward graph rendered to SVG by the WebAssembly Graphviz.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const v8 = require('node:v8');
const { memory } = require('..');
const { runNode, ROOT } = require('./helpers');

class Pooled {
  constructor(i) {
    this.i = i;
  }
}
class TlsPooled extends Pooled {}
// Same name, another class: counting by name must find both, counting by class only its own.
const OtherPooled = (() => class Pooled {})();

const DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'ab-count-'));
test.after(() => fs.rmSync(DIR, { recursive: true, force: true }));

test('count and byType find exactly the instances created; dropped ones are gone after the GC they run', () => {
  let plain = Array.from({ length: 500 }, (_, i) => new Pooled(i));
  const tls = [new TlsPooled(1), new TlsPooled(2), new TlsPooled(3)];
  assert.equal(memory.count(Pooled), 503, 'subclass instances count, Sub.prototype does not');
  assert.equal(memory.count(Pooled, { exact: true }), 500);
  assert.equal(memory.count(TlsPooled), 3);
  const found = memory.byType(TlsPooled);
  assert.equal(found.length, 3);
  assert.deepEqual(new Set(found), new Set(tls), 'the very objects, not copies');
  assert.equal(memory.byType(Pooled, { limit: 10 }).length, 10);
  plain = plain.slice(0, 20);
  assert.equal(memory.count(Pooled), 23, 'the 480 dropped instances were collected by the count itself');
  plain = null;
  assert.equal(memory.count(Pooled, { exact: true }), 0);
  assert.equal(tls.length, 3);
});

test('a constructor name counts every live class of that name (as mostCommonTypes groups them)', () => {
  const mine = [new Pooled(0), new Pooled(1)];
  const other = [new OtherPooled(), new OtherPooled(), new OtherPooled()];
  assert.equal(memory.count('Pooled', { exact: true }), 5);
  assert.equal(memory.count(OtherPooled), 3);
  assert.equal(memory.byType('Pooled', { exact: true }).filter((o) => o instanceof OtherPooled).length, 3);
  assert.equal(memory.count('NoSuchClassAnywhere_x9'), 0);
  assert.equal(mine.length + other.length, 5);
});

test('count takes no heap snapshot', () => {
  const original = v8.writeHeapSnapshot;
  v8.writeHeapSnapshot = () => {
    throw new Error('a heap snapshot was taken');
  };
  try {
    const keep = [new Pooled(7)];
    assert.equal(memory.count(Pooled, { exact: true }), 1);
    assert.equal(keep.length, 1);
  } finally {
    v8.writeHeapSnapshot = original;
  }
});

test('growth({ types }) reports exact gains per named type, with no snapshot', async () => {
  memory.resetGrowth();
  const keep = [];
  const first = await memory.growth(10, { types: [Pooled, 'TlsPooled'], exact: true });
  assert.equal(first.snapshot, undefined);
  assert.ok(first.query.queryMs > 0);
  for (let i = 0; i < 250; i++) keep.push(new Pooled(i));
  keep.push(new TlsPooled(0));
  const { types } = await memory.growth(10, { types: [Pooled, 'TlsPooled'], exact: true });
  assert.deepEqual(types, [
    { type: 'Pooled', count: 250, delta: 250 },
    { type: 'TlsPooled', count: 1, delta: 1 },
  ]);
  keep.length = 100;
  const after = await memory.growth(10, { types: [Pooled], exact: true });
  assert.deepEqual(after.types, [], 'shrinking is not growth');
});

test('bad arguments are TypeErrors / RangeErrors naming the parameter', async () => {
  assert.throws(() => memory.count(42), { name: 'TypeError', message: /for type/ });
  assert.throws(() => memory.count(() => {}), { name: 'TypeError', message: /prototype object/ });
  assert.throws(() => memory.count(''), { name: 'TypeError' });
  assert.throws(() => memory.count(Pooled, { exact: 'yes' }), { name: 'TypeError', message: /options\.exact/ });
  assert.throws(() => memory.byType(Pooled, { limit: -1 }), { name: 'RangeError', message: /options\.limit/ });
  await assert.rejects(memory.growth(5, { types: [] }), { name: 'TypeError', message: /options\.types/ });
  await assert.rejects(memory.growth(5, { types: [7] }), { name: 'TypeError', message: /options\.types\[0\]/ });
});

// The object whose references are drawn: a property, an element, a closure's captured variable,
// Map entries and a WeakRef.
class Connection {
  constructor() {
    const secretToken = { token: 'abc' };
    this.socket = { fd: 3 };
    this.pending = [new Pooled(1)];
    this.handlers = new Map([['data', { onData() {} }]]);
    this.authorize = () => secretToken;
    this.peer = new WeakRef(this.socket);
  }
}

function nodeIds(dot) {
  return [...dot.matchAll(/^\s*(n\d+) \[label=/gm)].map((m) => m[1]);
}

function labelOf(dot, id) {
  return new RegExp(`^\\s*${id} \\[label="([^"]*)"`, 'm').exec(dot)?.[1];
}

function edges(dot) {
  return [...dot.matchAll(/^\s*(n\d+) -> (n\d+) \[label="([^"]*)"(, style=dashed)?\]/gm)].map((m) => ({ from: m[1], to: m[2], label: m[3], weak: Boolean(m[4]) }));
}

test('refsDot draws what an object holds: properties, elements, captured variables, Map entries, weak refs dashed', async () => {
  const conn = new Connection();
  const { dot, nodes, truncated, snapshot } = await memory.refsDot(conn, { maxDepth: 2 });
  assert.ok(snapshot.snapshotMs > 0);
  assert.equal(truncated, false);
  assert.equal(nodeIds(dot).length, nodes);
  assert.match(labelOf(dot, 'n0'), /^Connection\\n/);
  const fromRoot = edges(dot).filter((e) => e.from === 'n0');
  assert.deepEqual(fromRoot.map((e) => e.label).sort(), ['authorize', 'handlers', 'peer', 'pending', 'socket']);
  const target = (from, label) => edges(dot).find((e) => e.from === from && e.label === label)?.to;
  assert.match(labelOf(dot, target('n0', 'socket')), /^Object\\n/);
  assert.match(labelOf(dot, target(target('n0', 'pending'), '[0]')), /^Pooled\\n/);
  assert.match(labelOf(dot, target(target('n0', 'authorize'), 'context secretToken')), /^Object\\n/, 'the closure holds its captured variable');
  const mapEntries = edges(dot).filter((e) => e.from === target('n0', 'handlers') && e.label === 'entry');
  assert.equal(mapEntries.length, 2, 'a Map entry is its key and its value');
  const weakEdge = edges(dot).find((e) => e.from === target('n0', 'peer'));
  assert.deepEqual([weakEdge.weak, weakEdge.to], [true, target('n0', 'socket')], 'the WeakRef points at the same socket, dashed');
  assert.ok(!dot.includes('__proto__') && !dot.includes('system / Map'), 'no prototypes or hidden classes');
  const small = await memory.refsDot(conn, { maxDepth: 1, maxNodes: 3 });
  assert.equal(small.nodes, 3);
  assert.equal(small.truncated, true);
  assert.match(small.dot, /more references not shown: maxNodes=3/);
  await assert.rejects(memory.refsDot(conn, { maxDepth: 0 }), { name: 'RangeError' });
  await assert.rejects(memory.refsDot(conn, { filename: 'x.png' }), { name: 'TypeError', message: /\.svg or \.dot/ });
  await assert.rejects(memory.refsDot('nope'), { name: 'TypeError', message: /for obj/ });
});

test('render() turns refsDot/backrefsDot output into SVG with no dot on PATH, loading Graphviz only then', () => {
  const code = `
    const { memory } = require(${JSON.stringify(ROOT)});
    const which = require('node:child_process').spawnSync('/bin/sh', ['-c', 'command -v dot'], { encoding: 'utf8' });
    const loaded = () => Object.keys(require.cache).some((f) => f.includes('@viz-js'));
    class Holder { constructor() { this.child = { name: 'x' }; this.list = [1, 2]; } }
    const h = new Holder();
    (async () => {
      const before = loaded();
      const refs = await memory.refsDot(h, { maxDepth: 2 });
      const back = await memory.backrefsDot(h.child, { maxDepth: 2 });
      const afterDot = loaded();
      const svg = await memory.render(refs.dot);
      const svgBack = await memory.render(back.dot);
      let bad;
      try { await memory.render('digraph { a -> '); } catch (e) { bad = e.message; }
      if (which.error) throw which.error;
      console.log(JSON.stringify({ dotOnPath: which.stdout.trim(), before, afterDot, after: loaded(), svg, svgBack, refsNodes: refs.nodes, backNodes: back.nodes, bad }));
    })();`;
  // PATH holds only node's own directory: no system Graphviz can be found.
  const { status, stderr, json } = runNode(code, { preload: 'none', env: { PATH: path.dirname(process.execPath) } });
  assert.equal(status, 0, stderr);
  assert.equal(json.dotOnPath, '');
  assert.deepEqual([json.before, json.afterDot, json.after], [false, false, true], 'Graphviz is loaded by the first render, not before');
  for (const [svg, n] of [
    [json.svg, json.refsNodes],
    [json.svgBack, json.backNodes],
  ]) {
    assert.match(svg, /^<\?xml[^>]*>\s*<!DOCTYPE svg/);
    assert.match(svg, /<svg [^>]*viewBox=/);
    assert.ok(svg.trimEnd().endsWith('</svg>'));
    assert.equal((svg.match(/<g id="node\d+" class="node">/g) ?? []).length, n, 'every node of the DOT text is drawn');
  }
  assert.match(json.svg, />Holder<\/text>/);
  assert.match(json.svg, />child<\/text>/, 'edge labels are drawn');
  assert.match(json.bad, /Graphviz could not render the DOT text: .*syntax error/);
});

test('filename writes the picture: .svg rendered, .dot as text (refsDot and backrefsDot)', async () => {
  const conn = new Connection();
  const svgFile = path.join(DIR, 'refs.svg');
  const out = await memory.refsDot(conn, { maxDepth: 1, filename: svgFile });
  assert.equal(out.file, svgFile);
  const svg = fs.readFileSync(svgFile, 'utf8');
  assert.match(svg, /<svg /);
  assert.equal((svg.match(/class="node"/g) ?? []).length, out.nodes);
  const dotFile = path.join(DIR, 'back.dot');
  const back = await memory.backrefsDot(conn.socket, { maxDepth: 2, filename: dotFile });
  assert.equal(fs.readFileSync(dotFile, 'utf8'), back.dot);
  assert.equal(typeof (await memory.render(fs.readFileSync(dotFile, 'utf8'))), 'string');
  await assert.rejects(memory.render(42), { name: 'TypeError', message: /for dot/ });
});
