#!/usr/bin/env node
'use strict';
/**
 * A small JSON service written the way many teams write one: node:http, no framework, plain
 * JSON.parse on request bodies, configuration files reloaded with fs.watchFile, a "ready" gate
 * that requests wait on with a sleep loop, and a config-changed bus that every connection
 * subscribes to. Nothing in this file knows about afterburner; the demo runs it unchanged with
 * and without it.
 *
 *   PORT=0 CONFIG_DIR=./config node server.js
 *
 * Routes: POST /api/orders and POST /api/events (small API calls), POST /api/documents (large
 * JSON documents, summarised), GET /health, GET /stats (the service's own counters).
 * On start it prints one JSON line on stdout: {"event":"listening","port":…,"pid":…}.
 */
const http = require('node:http');
const {
  HOST, PORT, CONFIG_DIR, state, counters, loadConfig, watchConfig, untilReady, trackConnections, stopWatching,
  priceOrder, ingestEvents, summarise, githubEvent, tweets, selfStats,
} = require('./common');

// ---------------------------------------------------------------------------------------------
// HTTP plumbing.
class HttpError extends Error {
  constructor(status, body) {
    super(body.error);
    this.status = status;
    this.body = body;
  }
}

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, { error: 'body too large', limit }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

async function readJson(req) {
  const raw = await readBody(req, state.config.service.maxBodyBytes);
  if (raw.length === 0) throw new HttpError(400, { error: 'empty body' });
  const text = raw.toString('utf8');
  try {
    return { value: JSON.parse(text), bytes: raw.length };
  } catch (err) {
    // Echoing the parser's message is common (and makes any difference in it visible).
    throw new HttpError(400, { error: 'invalid JSON', message: err.message });
  }
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const routes = {
  'GET /health': async () => [200, { status: state.ready ? 'ok' : 'starting' }],
  'GET /stats': async () => [200, selfStats()],
  'POST /api/orders': async (req) => {
    const { value } = await readJson(req);
    await untilReady();
    const result = priceOrder(value, state.config);
    return [result.accepted ? 200 : 422, result];
  },
  'POST /api/events': async (req) => {
    const { value } = await readJson(req);
    await untilReady();
    return [200, ingestEvents(value, state.config)];
  },
  'POST /api/documents': async (req) => {
    const { value, bytes } = await readJson(req);
    await untilReady();
    if (!state.config.features.documentSummaries) return [503, { error: 'document summaries are switched off' }];
    return [200, { bytes, ...summarise(value) }];
  },
  'POST /api/github': async (req) => {
    const { value } = await readJson(req);
    await untilReady();
    const result = githubEvent(value);
    return [result.accepted ? 200 : 422, result];
  },
  'POST /api/tweets': async (req) => {
    const { value } = await readJson(req);
    await untilReady();
    const result = tweets(value);
    return [result.accepted ? 200 : 422, result];
  },
};

const server = http.createServer((req, res) => {
  counters.requests++;
  const url = req.url.split('?')[0];
  const key = `${req.method} ${url}`;
  const handler = routes[key];
  counters.byRoute[key] = (counters.byRoute[key] || 0) + 1;
  if (!handler) {
    send(res, 404, { error: 'not found', method: req.method, path: url });
    return;
  }
  handler(req).then(
    ([status, body]) => send(res, status, body),
    (err) => {
      if (err instanceof HttpError) {
        counters.badRequests++;
        if (!res.headersSent) send(res, err.status, err.body);
        return;
      }
      process.stderr.write(JSON.stringify({ event: 'handler-error', route: key, message: err.stack }) + '\n');
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
    },
  );
});

trackConnections(server);

server.on('error', (err) => {
  process.stderr.write(JSON.stringify({ event: 'error', code: err.code, message: err.message, port: PORT }) + '\n');
  process.exit(1);
});

function shutdown(signal) {
  stopWatching();
  server.close(() => process.exit(0));
  server.closeIdleConnections?.();
  setTimeout(() => process.exit(0), 2000).unref();
  process.stderr.write(JSON.stringify({ event: 'stopping', signal }) + '\n');
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

async function main() {
  loadConfig('start').catch((err) => {
    process.stderr.write(JSON.stringify({ event: 'fatal', message: `cannot load configuration from ${CONFIG_DIR}: ${err.message}` }) + '\n');
    process.exit(1);
  });
  await untilReady();
  watchConfig();
  server.listen(PORT, HOST, () => {
    const { port } = server.address();
    process.stdout.write(JSON.stringify({ event: 'listening', host: HOST, port, pid: process.pid, node: process.version }) + '\n');
  });
}

main();
