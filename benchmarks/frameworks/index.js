#!/usr/bin/env node
'use strict';
// The fastify JSON body parser alone, on the demo's bodies (pings, orders of 3-300 items, GitHub
// events, tweets, timeline pages): fastify's own (the body decoded to a string, then
// secure-json-parse) against the integration's (the body Buffer to json.parse), interleaved in
// one process, per body kind and over the whole mix. Each call gets what fastify's rawBody would
// hand over: a fresh string (toString of the received bytes) or a fresh Buffer copy.
// `node benchmarks/frameworks/index.js [--quick]`
const path = require('node:path');
const { compare, report, geomean } = require('../lib/harness');
const afterburner = require('../..');

const quick = process.argv.includes('--quick');
afterburner.install({ gc: false, timers: false, weak: false, json: false, frameworks: { only: ['fastify'] }, log: 'silent' });
const Fastify = require('fastify');
const { kContentTypeParser } = require('fastify/lib/symbols');
const { frameworkMix } = require(path.join(__dirname, '..', '..', 'examples', 'lib', 'bodies'));

const app = Fastify();
const integration = app[kContentTypeParser].customParsers.get('application/json');
if (!integration.asBuffer) throw new Error('the fastify integration is not active in this process');
// fastify's own parser with its default options, as it builds it for an instance.
const own = app.getDefaultJsonParser('error', 'error');
const done = (err) => {
  if (err) throw err;
};

const { mix, pings, orders, github, tweets, pages } = frameworkMix();
const kinds = { 'pings (~160 B)': pings, 'orders, 3-300 items': orders, 'GitHub events': github, tweets: tweets, 'timeline pages (~67 KB)': pages, 'the demo mix (mean 7 KB)': mix };
const rows = [];
for (const [name, list] of Object.entries(kinds)) {
  const bytes = list.map((r) => Buffer.from(r.body));
  let i = 0;
  let j = 0;
  const t = compare(
    {
      own: () => own(null, bytes[i++ % bytes.length].toString('utf8'), done),
      integration: () => integration.fn(null, Buffer.concat([bytes[j++ % bytes.length]]), done),
    },
    { repeats: quick ? 5 : 9, sampleMs: quick ? 40 : 100, warmupMs: quick ? 40 : 100 },
  );
  rows.push({ row: name, 'own us': t.own * 1000, 'integration us': t.integration * 1000, speedup: t.own / t.integration });
}
rows.push({ row: 'geomean of the kinds', 'own us': NaN, 'integration us': NaN, speedup: geomean(rows.slice(0, -1).map((r) => r.speedup)) });
report('fastify JSON body parser: fastify own vs integration (us per body, median)', rows, { keys: ['speedup'], notes: [`status().native: ${JSON.stringify({ implementation: afterburner.status().native.implementation, jsonIndex: afterburner.status().native.jsonIndex })}`] });
