'use strict';
// The streaming snapshot reader against JSON.parse of the same file: every kept field, every
// decoded string, whatever the chunk boundaries (strings with escapes cut mid-way included).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const v8 = require('node:v8');
const { SnapshotReader, readSnapshotFile } = require('../dist/memory/snapshot.js');

const STRING_TYPES = new Set(['string', 'concatenated string', 'sliced string']);

function compare(graph, ref, { edges }) {
  const m = ref.snapshot.meta;
  const nf = m.node_fields.length;
  const ef = m.edge_fields.length;
  const f = (name) => m.node_fields.indexOf(name);
  assert.equal(graph.nodeCount, ref.nodes.length / nf);
  for (let i = 0; i < graph.nodeCount; i++) {
    const o = i * nf;
    assert.equal(graph.nodeType[i], ref.nodes[o + f('type')]);
    assert.equal(graph.nodeName[i], ref.nodes[o + f('name')]);
    assert.equal(graph.nodeId[i], ref.nodes[o + f('id')]);
    assert.equal(graph.nodeSelfSize[i], ref.nodes[o + f('self_size')]);
    if (!STRING_TYPES.has(m.node_types[0][graph.nodeType[i]])) assert.equal(graph.strings[graph.nodeName[i]], ref.strings[ref.nodes[o + f('name')]]);
  }
  if (!edges) return;
  let e = 0;
  for (let i = 0; i < graph.nodeCount; i++) {
    assert.equal(graph.firstEdge[i], e);
    e += ref.nodes[i * nf + f('edge_count')];
  }
  for (let k = 0; k < graph.edgeCount; k++) {
    assert.equal(graph.edgeType[k], ref.edges[k * ef]);
    assert.equal(graph.edgeName[k], ref.edges[k * ef + 1]);
    assert.equal(graph.edgeTo[k] * nf, ref.edges[k * ef + 2]);
    const t = m.edge_types[0][graph.edgeType[k]];
    if (t !== 'element' && t !== 'hidden') assert.equal(graph.strings[graph.edgeName[k]], ref.strings[graph.edgeName[k]]);
  }
}

test('a real snapshot of this process reads the same as JSON.parse, with and without edges', async () => {
  // Property names that need escaping end up as edge names, so the reader must decode them.
  globalThis.__afterburnerOddNames = Object.fromEntries(['quote"name', 'back\\slash', 'new\nline', 'ünïcödé ☃', '\\', '\\"'].map((k) => [k, { k }]));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ab-test-'));
  try {
    const file = v8.writeHeapSnapshot(path.join(dir, 's.heapsnapshot'));
    const ref = JSON.parse(fs.readFileSync(file, 'utf8'));
    for (const edges of [true, false]) compare((await readSnapshotFile(file, { edges })).graph, ref, { edges });
    const { graph } = await readSnapshotFile(file, { edges: true });
    for (const name of Object.keys(globalThis.__afterburnerOddNames)) assert.ok(graph.strings.includes(name), JSON.stringify(name));
  } finally {
    delete globalThis.__afterburnerOddNames;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('chunk boundaries anywhere: escapes, quotes and backslash runs cut between chunks', () => {
  const names = ['plain', 'a\\"b', '\\\\', 'x\\\\\\"y', 'end\\', '"', 'üñî', '\\u2603', ''].map((s) => JSON.parse(JSON.stringify(s)));
  // A miniature snapshot with the real layout: two object nodes named by those strings, and
  // property edges named by them too.
  const strings = ['', 'Obj', ...names, 'skipped "content" \\ here'];
  const meta = {
    node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'],
    node_types: [['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic'], 'string', 'number', 'number', 'number'],
    edge_fields: ['type', 'name_or_index', 'to_node'],
    edge_types: [['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'], 'string_or_number', 'node'],
  };
  const nodes = [9, 0, 1, 0, names.length, 3, 1, 3, 24, 0, 2, strings.length - 1, 5, 100, 0];
  const edges = [];
  names.forEach((_, i) => edges.push(2, 2 + i, 5));
  const text = `{"snapshot":{"meta":${JSON.stringify(meta)},"node_count":3,"edge_count":${names.length},"trace_function_count":0},\n"nodes":[${nodes.join(',')}],\n"edges":[${edges.join(',')}],\n"trace_function_infos":[],\n"trace_tree":[[1,[2,[]]]],\n"samples":[],\n"locations":[1,2,3,4],\n"strings":[${strings.map((s) => JSON.stringify(s)).join(',\n')}]}`;
  const bytes = Buffer.from(text);
  for (const size of [1, 2, 3, 5, 7, 11, 64, bytes.length]) {
    const reader = new SnapshotReader({ edges: true });
    for (let at = 0; at < bytes.length; at += size) reader.feed(Buffer.from(bytes.subarray(at, at + size)));
    const g = reader.result();
    assert.equal(g.nodeCount, 3);
    assert.deepEqual([...g.edgeTo], names.map(() => 1), `chunk size ${size}`);
    assert.deepEqual(names.map((_, i) => g.strings[g.edgeName[i]]), names, `chunk size ${size}`);
    assert.equal(g.strings[1], 'Obj');
    assert.equal(g.strings.length, strings.length, 'every string counted, kept or not');
    assert.equal(g.strings[strings.length - 1], undefined, 'the string node\'s content was skipped');
  }
});

test('a file that is not a heap snapshot is refused clearly', async () => {
  const reader = new SnapshotReader({ edges: false });
  reader.feed(Buffer.from('{"hello": [1,2,3]}'));
  assert.throws(() => reader.result(), /ended early|not a V8 heap snapshot/);
});
