'use strict';
// The native surface is declared once (src/core/binding.ts): every export of the addon, and the
// json tape's layout that the C++ side writes and src/json/tape.ts reads. These tests fail when
// the declaration and the built addon disagree, and show that the loader refuses such a build.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runNode, PRINT_STATUS, ROOT } = require('./helpers');

const BUILT = path.join(ROOT, 'build', 'Release', 'afterburner.node');
const { TAPE_LAYOUT, NATIVE_FUNCTIONS, NATIVE_INTERFACE, tapeLayoutDifferences } = require(path.join(ROOT, 'dist', 'core', 'binding.js'));
const notBuilt = !fs.existsSync(BUILT) && 'native addon not built';

test('the addon writes the tape with the op codes and meta slots the TypeScript side declares', { skip: notBuilt }, () => {
  const binding = require(BUILT);
  assert.deepEqual(binding.jsonTapeLayout, TAPE_LAYOUT);
  assert.deepEqual(tapeLayoutDifferences(binding.jsonTapeLayout), []);
});

test('every export of the addon is declared, and every declared function is exported', { skip: notBuilt }, () => {
  const binding = require(BUILT);
  assert.equal(binding.interfaceVersion, NATIVE_INTERFACE);
  const declared = [...NATIVE_FUNCTIONS, 'interfaceVersion', 'jsonTapeLayout', 'malloc'].sort();
  assert.deepEqual(Object.keys(binding).sort(), declared);
  for (const name of NATIVE_FUNCTIONS) assert.equal(typeof binding[name], 'function', name);
  const info = binding.buildInfo();
  assert.ok(['avx512', 'avx2', 'scalar'].includes(info.cpu), String(info.cpu));
});

test('tapeLayoutDifferences names every slot that differs, is missing or is extra', () => {
  const changed = structuredClone(TAPE_LAYOUT);
  changed.op.NUM = 7;
  delete changed.meta.RESET;
  changed.reason.NEW = 104;
  assert.deepEqual(tapeLayoutDifferences(changed), ['op.NUM: 7, expected 0', 'meta.RESET: undefined, expected 4', 'reason.NEW: 104, expected undefined']);
  assert.ok(tapeLayoutDifferences(undefined).length > 0);
});

/** A module standing in for the addon: the real build's exports with `edit` applied. */
function wrappedAddon(edit) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ab-surface-')), 'addon.js');
  fs.writeFileSync(file, `const real = require(${JSON.stringify(BUILT)});\nconst b = { ...real, jsonTapeLayout: structuredClone(real.jsonTapeLayout) };\n(${edit})(b);\nmodule.exports = b;\n`);
  return file;
}

test('the loader refuses a build whose tape layout or functions differ from the declaration; json falls back to the builtin', { skip: notBuilt }, () => {
  // The unchanged wrapper loads: what the other cases change is the only reason they are refused.
  const same = runNode(PRINT_STATUS, { env: { AFTERBURNER_NATIVE_PATH: wrappedAddon('() => {}') } });
  assert.equal(same.status, 0, same.stderr);
  assert.equal(same.json.native.loaded, true, same.json.native.error);
  assert.equal(same.json.json.active, true);

  const cases = [
    ['(b) => { b.jsonTapeLayout.op.NUM = 7; }', /json tape layout differs from src\/core\/binding\.ts \(op\.NUM: 7, expected 0\)/],
    ['(b) => { b.jsonTapeLayout.meta.SIZE = 16; }', /meta\.SIZE: 16, expected 8/],
    ['(b) => { delete b.jsonTapeLayout; }', /json tape layout differs/],
    ['(b) => { delete b.jsonGet; }', /incomplete build \(no jsonGet\)/],
  ];
  for (const [edit, reason] of cases) {
    const { status, json, stderr } = runNode(`${PRINT_STATUS}; console.error(JSON.parse('[1,{"a":2}]')[1].a === 2 ? 'parsed' : 'wrong')`, {
      env: { AFTERBURNER_NATIVE_PATH: wrappedAddon(edit) },
    });
    assert.equal(status, 0, stderr);
    assert.equal(json.native.loaded, false, edit);
    assert.match(json.native.error, reason);
    assert.equal(json.json.active, false, edit);
    assert.match(stderr, /parsed/);
  }
});
