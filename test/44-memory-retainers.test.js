'use strict';
// objgraph's find_backref_chain and show_backrefs: the path that keeps an object alive, and the
// Graphviz rendering of it.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { memory } = require('..');

// The constructed leak: a module-level store whose Map lives inside a closure.
const sessionStore = (() => {
  const sessions = new Map();
  return {
    remember(key, value) {
      sessions.set(key, value);
    },
    forget(key) {
      sessions.delete(key);
    },
  };
})();

class LeakedSession {
  constructor(user) {
    this.user = user;
  }
}

test('retainerChain finds the real path: closure context -> sessions Map -> its table -> the object', async () => {
  sessionStore.remember('other', new LeakedSession('someone else'));
  const session = new LeakedSession('ada');
  sessionStore.remember('ada', session);
  const chain = await memory.retainerChain(session);
  assert.equal(chain.found, true);
  assert.equal(chain.edges.length, chain.nodes.length - 1);
  assert.ok(chain.snapshot.snapshotMs > 0 && chain.snapshot.bytes > 0);
  const last = chain.nodes.at(-1);
  assert.equal(last.type, 'object');
  assert.equal(last.name, 'LeakedSession');
  assert.ok(chain.nodes[0].name.startsWith('('), `starts at a GC root: ${chain.nodes[0].name}`);
  // The tail of the path is the leak's own structure, edge by edge.
  const tail = chain.edges.slice(-4).map((e) => `${e.type}:${e.name}`);
  assert.deepEqual(tail.slice(0, 3), ['internal:context', 'context:sessions', 'internal:table'], tail.join(' '));
  const tailNodes = chain.nodes.slice(-5).map((n) => `${n.type}:${n.name}`);
  assert.match(tailNodes[0], /^closure:(remember|forget)$/, 'either closure of the store holds the context');
  assert.deepEqual(tailNodes.slice(1, 3), ['object:system / Context', 'object:Map']);
});

test('once the store forgets it, no path is found: the caller\'s own variable does not count', async () => {
  const session = new LeakedSession('grace');
  sessionStore.remember('grace', session);
  assert.equal((await memory.retainerChain(session)).found, true);
  sessionStore.forget('grace');
  const chain = await memory.retainerChain(session);
  assert.equal(chain.found, false, JSON.stringify(chain.edges));
  assert.equal(chain.nodes.at(-1).name, 'LeakedSession');
});

test('maxDepth bounds the search', async () => {
  const session = new LeakedSession('linus');
  sessionStore.remember('linus', session);
  assert.equal((await memory.retainerChain(session, { maxDepth: 2 })).found, false);
  await assert.rejects(memory.retainerChain(session, { maxDepth: 0 }), { name: 'RangeError', message: /options\.maxDepth/ });
  await assert.rejects(memory.retainerChain(42), { name: 'TypeError', message: /for obj/ });
});

// A small checker for the DOT language (graphviz.org/doc/info/lang.html) without subgraphs or
// ports, which our output does not use: tokens, statements, attribute lists, edge operators.
function checkDot(text) {
  const tokens = [];
  const re = /\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/|(->|--)|([{}[\];,=])|("(?:[^"\\]|\\[\s\S])*")|(-?(?:\.\d+|\d+(?:\.\d*)?))|([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)/y;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) throw new Error(`bad token at ${at}: ${JSON.stringify(text.slice(at, at + 20))}`);
    at = re.lastIndex;
    if (m[1]) tokens.push({ k: 'edgeop', v: m[1] });
    else if (m[2]) tokens.push({ k: m[2] });
    else if (m[3] || m[4] || m[5]) tokens.push({ k: 'id', v: m[3] ?? m[4] ?? m[5] });
  }
  let i = 0;
  const peek = () => tokens[i] ?? { k: 'eof' };
  const expect = (k) => {
    if (peek().k !== k) throw new Error(`expected ${k} at token ${i}, got ${peek().k} ${peek().v ?? ''}`);
    return tokens[i++];
  };
  const kw = (t, w) => t.k === 'id' && t.v.toLowerCase() === w;
  if (kw(peek(), 'strict')) i++;
  const head = expect('id');
  if (!kw(head, 'digraph') && !kw(head, 'graph')) throw new Error('must start with graph or digraph');
  const op = kw(head, 'digraph') ? '->' : '--';
  if (peek().k === 'id') i++;
  expect('{');
  const nodes = new Set();
  const edges = [];
  const attrList = () => {
    while (peek().k === '[') {
      i++;
      while (peek().k === 'id') {
        i++;
        expect('=');
        expect('id');
        if (peek().k === ',' || peek().k === ';') i++;
      }
      expect(']');
    }
  };
  while (peek().k !== '}') {
    const first = expect('id');
    if (['graph', 'node', 'edge'].some((w) => kw(first, w)) && peek().k === '[') attrList();
    else if (peek().k === '=') {
      i++;
      expect('id');
    } else {
      const chain = [first.v];
      while (peek().k === 'edgeop') {
        if (tokens[i].v !== op) throw new Error(`${tokens[i].v} in a ${head.v}`);
        i++;
        chain.push(expect('id').v);
      }
      if (chain.length === 1) nodes.add(chain[0]);
      else for (let j = 1; j < chain.length; j++) edges.push([chain[j - 1], chain[j]]);
      attrList();
    }
    if (peek().k === ';') i++;
  }
  expect('}');
  if (i !== tokens.length) throw new Error('text after the closing brace');
  return { nodes, edges };
}

test('the DOT checker rejects broken DOT (so it can fail)', () => {
  assert.throws(() => checkDot('digraph { a -> b '), /expected/);
  assert.throws(() => checkDot('digraph { a -- b }'), /-- in a digraph/);
  assert.throws(() => checkDot('digraph { a [label="x] }'), /bad token/);
  assert.throws(() => checkDot('digraph { a [label=] }'), /expected id/);
  assert.doesNotThrow(() => checkDot('strict digraph G { node [shape=box]; rankdir=TB; a [label="q\\"x"]; a -> b -> c [label=e]; }'));
});

function renderWithDot(text) {
  const probe = spawnSync('dot', ['-V'], { encoding: 'utf8' });
  if (probe.error) return undefined;
  const run = spawnSync('dot', ['-Tsvg'], { input: text, encoding: 'utf8' });
  return run;
}

test('toDot renders the chain as valid DOT: one node per step, one labelled edge per reference', async (t) => {
  const session = new LeakedSession('margaret');
  sessionStore.remember('margaret', session);
  const chain = await memory.retainerChain(session);
  const dot = memory.toDot(chain);
  const parsed = checkDot(dot);
  assert.equal(parsed.nodes.size, chain.nodes.length);
  assert.equal(parsed.edges.length, chain.edges.length);
  for (const [from, to] of parsed.edges) assert.ok(parsed.nodes.has(from) && parsed.nodes.has(to));
  assert.match(dot, /label="context sessions"/);
  assert.match(dot, /label="LeakedSession\\n\(object @\d+\)"/);
  // Names with quotes, backslashes and newlines stay inside their strings.
  const odd = memory.toDot({ nodes: [{ type: 'object', name: 'a"b\\c\nd', id: 1, selfSize: 0 }, { type: 'object', name: 'x', id: 2, selfSize: 0 }], edges: [{ type: 'property', name: 'p"q' }] });
  assert.equal(checkDot(odd).edges.length, 1);
  assert.throws(() => memory.toDot(null), { name: 'TypeError' });
  const rendered = renderWithDot(dot);
  if (!rendered) t.diagnostic('graphviz not installed: rendering skipped, the syntax checker above stands');
  else {
    assert.equal(rendered.status, 0, rendered.stderr);
    assert.match(rendered.stdout, /<svg/);
  }
});

test('backrefsDot shows the retainers around the object as valid DOT', async () => {
  const session = new LeakedSession('barbara');
  sessionStore.remember('barbara', session);
  const result = await memory.backrefsDot(session, { maxDepth: 3 });
  const parsed = checkDot(result.dot);
  assert.equal(parsed.nodes.size, result.nodes);
  assert.ok(result.nodes >= 4, 'object, table, Map, context');
  assert.match(result.dot, /LeakedSession/);
  assert.match(result.dot, /label="internal table"/);
  assert.match(result.dot, /label="context sessions"/);
  assert.ok(result.snapshot.snapshotMs > 0);
  const small = await memory.backrefsDot(session, { maxDepth: 6, maxNodes: 3 });
  assert.equal(small.nodes, 3);
  assert.equal(small.truncated, true);
  assert.doesNotThrow(() => checkDot(small.dot));
  const rendered = renderWithDot(result.dot);
  if (rendered) assert.equal(rendered.status, 0, rendered.stderr);
});
