'use strict';
// Run by test 53 twice, with and without the register: sends every case to express.json() and
// bodyParser.json() middlewares with different options, over a real socket, and prints what came
// back, including every property of the errors body-parser raised. The parent compares the runs.
const http = require('node:http');
const zlib = require('node:zlib');
const path = require('node:path');
const express = require('express');
const bodyParser = require('body-parser');
const { BODIES, asBuffer, dump, page } = require('./cases');

const OPTIONS = [
  ['express.json()', () => express.json()],
  ['bodyParser.json()', () => bodyParser.json()],
  ['strict: false', () => express.json({ strict: false })],
  ['limit: 1kb', () => express.json({ limit: '1kb' })],
  ['inflate: false', () => express.json({ inflate: false })],
  ['type: application/*+json', () => express.json({ type: 'application/*+json' })],
  ['type: function', () => express.json({ type: () => true })],
  ['reviver', () => express.json({ reviver: (k, v) => (typeof v === 'number' ? v * 2 : v) })],
  ['verify', () => express.json({ verify: (req, res, buf, encoding) => { if (buf.includes('forbidden')) throw Object.assign(new Error(`verify refused (${encoding})`), { status: 409 }); } })],
  ['defaultCharset: latin1', () => express.json({ defaultCharset: 'latin1' })],
];

function describeError(err) {
  const out = { keys: Object.keys(err), name: err.name, message: err.message, stackHead: String(err.stack).split('\n')[0], ctor: err.constructor && err.constructor.name };
  for (const key of Object.keys(err)) {
    const v = err[key];
    out[`prop:${key}`] = Buffer.isBuffer(v) ? `Buffer ${v.toString('base64')}` : typeof v === 'string' ? v : typeof v === 'object' && v !== null ? `${v.constructor && v.constructor.name}` : v;
  }
  return out;
}

async function main() {
  const app = express();
  OPTIONS.forEach(([name, make], i) => {
    app.post(`/v${i}`, make(), (req, res) => res.json({ dump: dump(req.body), type: typeof req.body, had: 'body' in req }));
  });
  app.use((err, req, res, next) => res.status(err.status || 500).json(describeError(err)));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.on('listening', resolve));
  const { port } = server.address();

  const send = (urlPath, headers, payload, pieces = 1) =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: urlPath, agent: false, headers: { 'content-length': payload.length, ...headers } }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      const size = Math.ceil(payload.length / pieces) || 1;
      let at = 0;
      const next = () => {
        if (at >= payload.length) return req.end();
        const piece = payload.subarray(at, at + size);
        at += size;
        req.write(piece, () => setImmediate(next));
      };
      next();
    });

  const results = [];
  const json = { 'content-type': 'application/json' };
  for (let i = 0; i < OPTIONS.length; i++) {
    const at = `/v${i}`;
    const record = async (name, headers, payload, pieces) => results.push({ name: `${OPTIONS[i][0]} ${name}`, ...(await send(at, headers, payload, pieces)) });
    for (const [name, body] of BODIES) await record(name, json, asBuffer(body));
    await record('timeline page in 7 pieces', json, Buffer.from(page), 7);
    await record('non-ASCII split across pieces', json, Buffer.from('{"a": "Zürich 東京 😀 Zürich 東京 😀"}'), 13);
    for (const type of ['application/json; charset=utf-8', 'application/json; charset=UTF-8', 'application/json; charset=utf8', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'application/json; charset=utf-16le', 'application/json; charset=koi8-r', 'application/json; charset=nope', 'application/json; charset="utf-8"', 'application/JSON', 'application/vnd.api+json', 'text/plain', 'application/json; charset']) {
      const encoding = /16/.test(type) ? 'utf16le' : /latin1/.test(type) ? 'latin1' : 'utf8';
      await record(`content-type ${type}`, { 'content-type': type }, Buffer.from('{"a": "é", "b": [1, 2]}', encoding));
    }
    for (const [encoding, compress] of [['gzip', zlib.gzipSync], ['deflate', zlib.deflateSync], ['br', zlib.brotliCompressSync], ['identity', (b) => b], ['GZIP', zlib.gzipSync], ['compress', (b) => b]]) {
      await record(`content-encoding ${encoding}`, { ...json, 'content-encoding': encoding }, compress(Buffer.from(page)));
    }
    await record('gzip, invalid inside', { ...json, 'content-encoding': 'gzip' }, zlib.gzipSync(Buffer.from('{"a": ')));
    await record('gzip, not gzip', { ...json, 'content-encoding': 'gzip' }, Buffer.from('{"a": 1}'));
    await record('gzip, larger than 1 KB when inflated', { ...json, 'content-encoding': 'gzip' }, zlib.gzipSync(Buffer.from(JSON.stringify({ pad: 'x'.repeat(5000) }))));
    await record('oversized for 1 KB', json, Buffer.from(JSON.stringify({ pad: 'x'.repeat(1100) })));
    await record('forbidden word for verify', json, Buffer.from('{"word": "forbidden"}'));
  }
  server.close();
  const status = require(path.resolve(__dirname, '..', '..')).status();
  process.stdout.write(JSON.stringify({ results, frameworks: status.frameworks }) + '\n');
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack) + '\n');
  process.exit(1);
});
