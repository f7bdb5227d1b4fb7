'use strict';
// express.json() / bodyParser.json() and the integration side by side: the same requests over a
// real socket to the same middlewares (ten option sets: strict, limit, inflate, type, reviver,
// verify, defaultCharset), once plain and once with the register, compared byte for byte:
// status, content type, the parsed body's dump, and for errors every property body-parser set.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ROOT, REGISTER, cleanEnv } = require('./helpers');

const CHILD = path.join(__dirname, 'frameworks', 'express-child.js');

function run(args, env = {}) {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, env: cleanEnv(env), encoding: 'utf8', timeout: 120000, maxBuffer: 256 * 1024 * 1024 });
  assert.equal(r.status, 0, `${args.join(' ')}: exit ${r.status ?? r.signal}\n${r.stderr}`);
  return r;
}

test('every request gets the same status, content type, body and error properties with and without the integration', () => {
  const plain = JSON.parse(run([CHILD]).stdout);
  const patched = JSON.parse(run(['--require', REGISTER, CHILD]).stdout);
  assert.equal(patched.results.length, plain.results.length);
  assert.ok(plain.results.length > 600, `${plain.results.length} cases`);
  for (let i = 0; i < plain.results.length; i++) assert.deepEqual(patched.results[i], plain.results[i], plain.results[i].name);
  const find = (name) => JSON.parse(plain.results.find((r) => r.name === name).body);
  // The cases reach what they claim: body-parser's parse errors (with the body string), strict
  // violations, limits, charsets, encodings and verify.
  const invalid = find('express.json() invalid: truncated');
  assert.equal(invalid['prop:type'], 'entity.parse.failed');
  assert.equal(typeof invalid['prop:body'], 'string');
  assert.match(find('express.json() a string').message, /^Unexpected token/);
  assert.equal(find('strict: false a string').dump, '"just a string"');
  assert.equal(find('limit: 1kb oversized for 1 KB')['prop:type'], 'entity.too.large');
  assert.equal(find('express.json() content-type application/json; charset=koi8-r')['prop:type'], 'charset.unsupported');
  assert.equal(find('express.json() content-type application/json; charset=utf-16').dump, '{"a":"é","b":[1,2]}');
  assert.equal(find('inflate: false content-encoding gzip')['prop:type'], 'encoding.unsupported');
  assert.match(find('express.json() content-encoding gzip').dump, /^\{"statuses"/);
  assert.equal(find('verify forbidden word for verify')['prop:type'], 'entity.verify.failed');
  assert.equal(find('reviver array at top').dump, '[2,4,{"a":[true,false,null]}]');
  assert.equal(find('express.json() byte-order mark').dump, '{"a":1}');
  assert.equal(find('express.json() empty').dump, '{}');
  const bp = patched.frameworks.integrations['body-parser'];
  assert.equal(bp.state, 'patched');
  assert.match(bp.detail, /^body-parser 2\./);
  // Eight middlewares use it; the reviver and verify ones are left to body-parser.
  assert.equal(bp.instances, 8);
  assert.ok(bp.counts.bytes > 200 && bp.counts.original > 50, JSON.stringify(bp));
});

test('AFTERBURNER_BODY_PARSER=0 leaves body-parser alone, and status() says so', () => {
  const code = `const express = require('express'); express.json(); console.log(JSON.stringify(require(${JSON.stringify(ROOT)}).status().frameworks))`;
  const off = JSON.parse(run(['--require', REGISTER, '-e', code], { AFTERBURNER_BODY_PARSER: '0' }).stdout);
  assert.equal(off.integrations['body-parser'].state, 'disabled');
  assert.equal(off.integrations['body-parser'].detail, 'disabled by AFTERBURNER_BODY_PARSER');
  const on = JSON.parse(run(['--require', REGISTER, '-e', code]).stdout);
  assert.equal(on.integrations['body-parser'].state, 'patched');
  assert.equal(on.integrations['body-parser'].instances, 1);
});

test('body-parser 1.x is left alone and status() says so', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'body-parser-1-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const source = path.dirname(require.resolve('body-parser/package.json'));
  fs.cpSync(source, path.join(dir, 'node_modules', 'body-parser'), { recursive: true });
  const pkg = path.join(dir, 'node_modules', 'body-parser', 'package.json');
  fs.writeFileSync(pkg, JSON.stringify({ ...JSON.parse(fs.readFileSync(pkg, 'utf8')), version: '1.20.3' }));
  fs.writeFileSync(path.join(dir, 'app.js'), `require('body-parser').json(); console.log(JSON.stringify(require(${JSON.stringify(ROOT)}).status().frameworks));`);
  const out = JSON.parse(run(['--require', REGISTER, path.join(dir, 'app.js')], { NODE_PATH: path.join(ROOT, 'node_modules') }).stdout);
  assert.equal(out.integrations['body-parser'].state, 'left alone');
  assert.match(out.integrations['body-parser'].detail, /body-parser 1\.20\.3 is not supported \(2\.x\)/);
});

test('a framework loaded before the register is left alone, and status() says so', () => {
  const code = `require('fastify'); require(${JSON.stringify(ROOT)}).install(); console.log(JSON.stringify(require(${JSON.stringify(ROOT)}).status().frameworks))`;
  const out = JSON.parse(run(['-e', code]).stdout);
  assert.equal(out.integrations.fastify.state, 'left alone');
  assert.match(out.integrations.fastify.detail, /loaded before afterburner/);
});
