'use strict';
// Seeded fuzzing against the builtin: ≥ 10,000 random documents and ≥ 10,000 mutations of them
// (byte flips, truncations, insertions of JSON-breaking characters), each through the patched
// JSON.parse and the helpers, as string and as Buffer. Zero differences allowed — in value,
// property order, prototypes, -0 and error messages. JSON_FUZZ_SEED=<n> replays another seed;
// JSON_FUZZ_COUNT=<n> runs more documents (the default keeps the file well under 20 s).
const test = require('node:test');
const assert = require('node:assert/strict');
const { check, builtinParse, pointersFor, uninstall, has, ab } = require('./json/subject');
const { routes, useRoute } = require('./json/routes');
const { makeGenerator } = require('./json/generate');

const SEED = Number(process.env.JSON_FUZZ_SEED ?? 20261125);
const COUNT = Number(process.env.JSON_FUZZ_COUNT ?? 10000);
const ROUTES = routes();
test.after(() => uninstall());

function parsesTo(text) {
  try {
    return { ok: true, value: builtinParse(text) };
  } catch {
    return { ok: false };
  }
}

function run(route, seed, count) {
  const { patched } = useRoute(route);
  const gen = makeGenerator(seed);
  const diffs = [];
  let valid = 0;
  let mutatedValid = 0;
  let bytes = 0;
  for (let i = 0; i < count && diffs.length < 20; i++) {
    const text = gen.doc();
    bytes += text.length;
    const parsed = parsesTo(text);
    if (parsed.ok) valid++;
    const pointers = parsed.ok ? pointersFor(parsed.value, 3) : [''];
    const label = `[seed ${seed}, doc ${i}]`;
    // Alternate the input form per document to keep the run short; every form is hit thousands of times.
    if (i % 2 === 0) diffs.push(...check(patched, text, { label, pointers }));
    else diffs.push(...check(patched, Buffer.from(text), { label, pointers, patchedToo: i % 4 === 1 }));

    const mutated = gen.mutate(text);
    const mutatedText = mutated.toString();
    if (parsesTo(mutatedText).ok) mutatedValid++;
    const mlabel = `[seed ${seed}, doc ${i} mutated]`;
    diffs.push(...check(patched, mutated, { label: mlabel, pointers: pointers.slice(0, 2), patchedToo: false }));
    diffs.push(...check(patched, mutatedText, { label: mlabel, pointers: [], helpersToo: i % 2 === 0 }));
  }
  return { diffs, valid, mutatedValid, bytes };
}

for (const route of ROUTES) {
  test(`${COUNT} random documents and ${COUNT} mutations, seed ${SEED} [${route.name}]`, { skip: route.unsupported || false }, (t) => {
    if (!has.parse) t.diagnostic('json.parse helper not exported: only JSON.parse is compared');
    const { diffs, valid, mutatedValid, bytes } = run(route, SEED, COUNT);
    const counts = ab.status().json.counts;
    t.diagnostic(`JSON.parse routing during the run: ${JSON.stringify(counts)}`);
    if (route.forced && counts) assert.ok(counts.native > 0, 'the forced route really ran the native path');
    t.diagnostic(`seed ${SEED}: ${valid}/${COUNT} generated documents valid, ${mutatedValid}/${COUNT} mutations still valid, ${(bytes / 1e6).toFixed(1)} MB`);
    // The generator must produce both verdicts in quantity, or the test proves little.
    assert.ok(valid > COUNT * 0.5, `most generated documents are valid (${valid})`);
    assert.ok(COUNT - mutatedValid > COUNT * 0.3, `many mutations are invalid (${COUNT - mutatedValid})`);
    if (diffs.length) {
      assert.fail(`differences from the builtin (replay with JSON_FUZZ_SEED=${SEED}):\n${diffs.slice(0, 10).join('\n')}`);
    }
  });
}
