// An ESM service importing fastify: the CommonJS package's internal require() calls are hooked.
import Fastify from 'fastify';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const app = Fastify();
app.post('/', async (request) => request.body);
const r = await app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/json' }, payload: Buffer.from('{"a": "Zürich", "n": [1, 2, 3]}') });
console.log(JSON.stringify({ body: r.body, frameworks: require('../../').status().frameworks }));
