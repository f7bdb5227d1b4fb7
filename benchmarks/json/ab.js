#!/usr/bin/env node
'use strict';
// A/B of two builds of the package (two roots, each with its own dist/ and build/) in ONE process,
// interleaved (harness.compare): each root loads its own copy of the addon (a different file, so
// its own parser, key and shape tables), so the two run side by side under the same load, which
// on this shared 2-core machine is far steadier than comparing separate processes.
//   parse: builtin JSON.parse vs json.parse(string) of A and of B (ratios against the builtin)
//   tape:  the native call alone (load, simdjson, tape, strings) of A and of B
// The parse mode shares one heap between both builders and the builtin (GC pauses land anywhere):
// prefer tape for native-side changes, benchmarks/json/index.js runs for the builder.
// Usage: node benchmarks/json/ab.js <rootA> <rootB> [file.json,...] [--mode parse|tape] [--repeats N]
// (copy a build aside first: mkdir /tmp/a && cp -r dist build package.json /tmp/a && ln -s $PWD/node_modules /tmp/a/)
const path = require('node:path');
const { compare } = require('../lib/harness');
const corpus = require('./corpus');

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const [rootA, rootB] = args.slice(0, 2).map((r) => path.resolve(r));
const files = (args.slice(2).find((x) => x.endsWith('.json') || x.startsWith('api-')) || 'marine_ik.json').split(',');
const mode = opt('--mode', 'parse');
const repeats = Number(opt('--repeats', 15));

const side = (root) => {
  const tape = require(path.join(root, 'dist', 'json', 'tape.js'));
  const native = tape.jsonNative();
  if (!native) throw new Error(`${root}: native path unavailable`);
  return { native, json: require(root).json };
};
const A = side(rootA);
const B = side(rootB);
if (A.native === B.native) throw new Error('both roots loaded the same addon');
const builtin = JSON.parse;
for (const doc of corpus.load(files)) {
  const text = doc.text;
  const variants =
    mode === 'tape'
      ? { A: () => A.native.jsonTape(text), B: () => B.native.jsonTape(text) }
      : { builtin: () => builtin(text), A: () => A.json.parse(text), B: () => B.json.parse(text) };
  // tape mode: a first parse through each side's own builder registers the keys and shapes.
  A.json.parse(text);
  B.json.parse(text);
  const r = compare(variants, { repeats, sampleMs: 40, warmupMs: 100 });
  const ms = Object.entries(r).map(([k, v]) => `${k} ${v.toFixed(3)} ms`).join('  ');
  const tail = mode === 'tape' ? `B/A ${(r.B / r.A).toFixed(3)}` : `A ${(r.builtin / r.A).toFixed(2)}x  B ${(r.builtin / r.B).toFixed(2)}x`;
  console.log(`${doc.name.padEnd(22)} ${ms}   ${tail}`);
}
