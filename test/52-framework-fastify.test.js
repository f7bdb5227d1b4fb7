'use strict';
// fastify's default JSON body parser and the integration side by side: the same requests to the
// same fastify, once plain and once with the register, compared byte for byte (status, content
// type, body, and a dump of the parsed body that shows own __proto__ keys, prototypes and -0).
// Then fastify's own published parser tests, run with the integration in place.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, REGISTER, cleanEnv } = require('./helpers');

const CHILD = path.join(__dirname, 'frameworks', 'fastify-child.js');
const REPORT = path.join(__dirname, 'frameworks', 'report-status.js');
const FASTIFY = path.dirname(require.resolve('fastify/package.json'));

function run(args, env = {}) {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, env: cleanEnv(env), encoding: 'utf8', timeout: 120000, maxBuffer: 256 * 1024 * 1024 });
  assert.equal(r.status, 0, `${args.join(' ')}: exit ${r.status ?? r.signal}\n${r.stderr}`);
  return r;
}

function sideBySide(env = {}) {
  const plain = JSON.parse(run([CHILD]).stdout);
  const patched = JSON.parse(run(['--require', REGISTER, CHILD], env).stdout);
  return { plain, patched };
}

test('every request gets the same status, content type and body with and without the integration', () => {
  const { plain, patched } = sideBySide();
  assert.equal(patched.results.length, plain.results.length);
  assert.ok(plain.results.length > 400, `${plain.results.length} cases`);
  for (let i = 0; i < plain.results.length; i++) assert.deepEqual(patched.results[i], plain.results[i], plain.results[i].name);
  // The cases cover what they claim: successes, fastify's 400/413/415 answers, poisoning errors.
  const statuses = new Set(plain.results.map((r) => r.status));
  for (const s of [200, 400, 413, 415]) assert.ok(statuses.has(s), `status ${s} among ${[...statuses]}`);
  const find = (name) => plain.results.find((r) => r.name === name);
  assert.match(find('{} __proto__ key').body, /FST_ERR_CTP_INVALID_JSON_BODY/);
  assert.match(find('{"onProtoPoisoning":"remove"} __proto__ key').body, /"dump":"\{\\"a\\":1\}"/);
  assert.match(find('{"onProtoPoisoning":"ignore"} __proto__ key').body, /__proto__/);
  assert.match(find('{} empty').body, /FST_ERR_CTP_EMPTY_JSON_BODY/);
  assert.match(find('{"bodyLimit":1024} oversized for 1 KB').body, /FST_ERR_CTP_BODY_TOO_LARGE/);
  // And the integration did parse from bytes (not everything handed back to fastify's parser).
  const fastify = patched.frameworks.integrations.fastify;
  assert.equal(fastify.state, 'patched');
  assert.match(fastify.detail, /^fastify 5\./);
  assert.ok(fastify.counts.bytes > 200 && fastify.counts.original > 50, JSON.stringify(fastify));
  assert.equal(plain.frameworks.active, false);
});

test('AFTERBURNER_FASTIFY=0 and AFTERBURNER_FRAMEWORKS=0 leave fastify alone, and status() says so', () => {
  for (const [variable, state] of [['AFTERBURNER_FASTIFY', 'disabled'], ['AFTERBURNER_FRAMEWORKS', undefined]]) {
    const r = JSON.parse(run(['--require', REGISTER, '-e', `require('fastify')(); console.log(JSON.stringify(require(${JSON.stringify(ROOT)}).status().frameworks))`], { [variable]: '0' }).stdout);
    if (state) {
      assert.equal(r.integrations.fastify.state, state);
      assert.equal(r.integrations.fastify.detail, 'disabled by AFTERBURNER_FASTIFY');
      assert.equal(r.integrations['body-parser'].state, 'waiting');
    } else {
      assert.equal(r.active, false);
      assert.match(r.reason, /AFTERBURNER_FRAMEWORKS/);
    }
  }
});

test('a fastify version other than 5 is left alone and status() says which and why', (t) => {
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'fastify-4-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  // A copy of fastify whose package.json says 4.x: the hook must check the version, not the shape.
  fs.cpSync(FASTIFY, path.join(dir, 'node_modules', 'fastify'), { recursive: true });
  const pkg = path.join(dir, 'node_modules', 'fastify', 'package.json');
  fs.writeFileSync(pkg, JSON.stringify({ ...JSON.parse(fs.readFileSync(pkg, 'utf8')), version: '4.29.1' }));
  fs.writeFileSync(path.join(dir, 'app.js'), `
    const app = require('fastify')();
    app.post('/', async (req) => req.body);
    app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/json' }, payload: '{"a": [1, 2]}' }).then((r) => {
      console.log(JSON.stringify({ body: r.body, frameworks: require(${JSON.stringify(ROOT)}).status().frameworks }));
    });`);
  // fastify's own dependencies resolve from this package's node_modules.
  const out = JSON.parse(run(['--require', REGISTER, path.join(dir, 'app.js')], { NODE_PATH: path.join(ROOT, 'node_modules') }).stdout);
  assert.equal(out.body, '{"a":[1,2]}');
  assert.equal(out.frameworks.integrations.fastify.state, 'left alone');
  assert.match(out.frameworks.integrations.fastify.detail, /fastify 4\.29\.1 is not supported \(5\.x\)/);
});

test('fastify imported from an ES module is hooked too', (t) => {
  const file = path.join(ROOT, 'test', 'frameworks', 'esm-fastify.mjs');
  const r = JSON.parse(run(['--import', `file://${REGISTER}`, file]).stdout);
  assert.equal(r.body, '{"a":"Zürich","n":[1,2,3]}');
  assert.equal(r.frameworks.integrations.fastify.state, 'patched');
  assert.equal(r.frameworks.integrations.fastify.counts.bytes, 1);
});

// fastify's own tests of its JSON parser, body limits, content types and poisoning rules (those
// whose dependencies are installed here), with the register and the integration in place.
const PUBLISHED = ['proto-poisoning', 'body-limit', 'content-parser', 'content-type', 'custom-parser-async', 'use-semicolon-delimiter'];

test("fastify's own published parser tests pass with the integration in place", { skip: !fs.existsSync(path.join(FASTIFY, 'test', 'proto-poisoning.test.js')) && 'fastify was installed without its tests' }, () => {
  let bytes = 0;
  for (const name of PUBLISHED) {
    const file = path.join(FASTIFY, 'test', `${name}.test.js`);
    // Without NODE_TEST_CONTEXT (set by the runner of this file), the file reports in TAP on stdout.
    const env = cleanEnv();
    delete env.NODE_TEST_CONTEXT;
    const r = spawnSync(process.execPath, ['--require', REGISTER, '--require', REPORT, '--test-reporter=tap', file], { cwd: ROOT, env, encoding: 'utf8', timeout: 120000 });
    const pass = Number((/^# pass (\d+)/m.exec(r.stdout) || [])[1]);
    const fail = Number((/^# fail (\d+)/m.exec(r.stdout) || [])[1]);
    assert.equal(r.status, 0, `${name}: exit ${r.status ?? r.signal}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}`);
    assert.ok(pass > 0 && fail === 0, `${name}: pass ${pass}, fail ${fail}`);
    const status = JSON.parse(/^frameworks-status (.*)$/m.exec(r.stderr)[1]);
    assert.equal(status.integrations.fastify.state, 'patched', name);
    bytes += status.integrations.fastify.counts.bytes;
  }
  assert.ok(bytes > 0, `bodies parsed from bytes during fastify's tests: ${bytes}`);
});
