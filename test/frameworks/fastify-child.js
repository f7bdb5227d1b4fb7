'use strict';
// Run by test 52 twice, with and without the register: sends every case to fastify and prints
// what came back (status, content type, body). The parent compares the two runs byte for byte.
const http = require('node:http');
const zlib = require('node:zlib');
const path = require('node:path');
const Fastify = require('fastify');
const { BODIES, asBuffer, dump, page } = require('./cases');

const OPTIONS = [
  {},
  { onProtoPoisoning: 'remove' },
  { onProtoPoisoning: 'ignore' },
  { onConstructorPoisoning: 'remove' },
  { onConstructorPoisoning: 'ignore' },
  { onProtoPoisoning: 'ignore', onConstructorPoisoning: 'ignore' },
  { onProtoPoisoning: 'remove', onConstructorPoisoning: 'remove' },
  { bodyLimit: 1024 },
];

const TYPES = ['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset=UTF-8', 'application/json; charset=latin1', 'application/json; charset=utf-16le'];

function app(options) {
  const fastify = Fastify(options);
  fastify.post('/', async (request) => ({ dump: dump(request.body), type: typeof request.body }));
  return fastify;
}

async function main() {
  const results = [];
  for (const options of OPTIONS) {
    const fastify = app(options);
    await fastify.ready();
    const send = async (name, headers, payload) => {
      const r = await fastify.inject({ method: 'POST', url: '/', headers, payload });
      results.push({ name: `${JSON.stringify(options)} ${name}`, status: r.statusCode, type: r.headers['content-type'], body: r.body });
    };
    for (const [name, body] of BODIES) await send(name, { 'content-type': 'application/json' }, asBuffer(body));
    for (const type of TYPES) await send(`content-type ${type}`, { 'content-type': type }, Buffer.from('{"a": "é", "b": [1, 2]}', type.includes('latin1') ? 'latin1' : type.includes('16') ? 'utf16le' : 'utf8'));
    await send('gzip (fastify does not inflate)', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, zlib.gzipSync(page));
    await send('oversized for 1 KB', { 'content-type': 'application/json' }, Buffer.from(JSON.stringify({ pad: 'x'.repeat(1100) })));
    await send('exactly 1 KB', { 'content-type': 'application/json' }, Buffer.from(JSON.stringify({ pad: 'x'.repeat(1024 - 10) })));
    await send('content-length larger than the body', { 'content-type': 'application/json', 'content-length': '50' }, Buffer.from('{"a": 1}'));
    await send('another JSON type', { 'content-type': 'application/vnd.api+json' }, Buffer.from('{"a": 1}'));
    await fastify.close();
  }

  // Over a real socket, the body arriving in pieces (a multi-byte character split between them).
  const fastify = app({});
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  const { port } = fastify.server.address();
  const pieces = [Buffer.from('{"name": "Z'), Buffer.from([0xc3]), Buffer.from([0xbc]), Buffer.from('rich", "page": '), Buffer.from(page), Buffer.from('}')];
  for (const chunked of [false, true]) {
    const r = await new Promise((resolve, reject) => {
      const total = pieces.reduce((n, p) => n + p.length, 0);
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-type': 'application/json', ...(chunked ? {} : { 'content-length': total }) } }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      let i = 0;
      const next = () => (i < pieces.length ? req.write(pieces[i++], () => setTimeout(next, 2)) : req.end());
      next();
    });
    results.push({ name: `socket, in pieces${chunked ? ', chunked' : ''}`, ...r });
  }
  await fastify.close();

  const status = require(path.resolve(__dirname, '..', '..')).status();
  process.stdout.write(JSON.stringify({ results, frameworks: status.frameworks }) + '\n');
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack) + '\n');
  process.exit(1);
});
