#!/usr/bin/env node
'use strict';
/**
 * The demo service on fastify 5, written as a fastify user would: default options, fastify's own
 * JSON body parsing (no custom content-type parser), a bodyLimit from the configuration, async
 * route handlers returning objects. The configuration, the ready gate, the config-changed bus and
 * the business logic are the node:http service's (./common.js). Nothing here knows about
 * afterburner.
 *
 *   PORT=0 CONFIG_DIR=./config node fastify.js
 *
 * Routes: POST /api/orders, /api/events, /api/github (webhook deliveries), /api/tweets (a tweet
 * or a timeline page), /api/documents; GET /health, GET /stats. Prints
 * {"event":"listening","port":…,"pid":…} on stdout once it listens.
 */
const Fastify = require('fastify');
const common = require('./common');

const { HOST, PORT, CONFIG_DIR, state, counters, untilReady } = common;

function route(app, url, handle) {
  app.post(url, async (request, reply) => {
    await untilReady();
    const [status, body] = handle(request.body);
    reply.code(status);
    return body;
  });
}

async function main() {
  await common.loadConfig('start').catch((err) => {
    process.stderr.write(JSON.stringify({ event: 'fatal', message: `cannot load configuration from ${CONFIG_DIR}: ${err.message}` }) + '\n');
    process.exit(1);
  });
  common.watchConfig();
  const app = Fastify({ bodyLimit: state.config.service.maxBodyBytes });
  common.trackConnections(app.server);
  app.addHook('onRequest', async (request) => {
    counters.requests++;
    const key = `${request.method} ${request.url.split('?')[0]}`;
    counters.byRoute[key] = (counters.byRoute[key] || 0) + 1;
  });
  app.addHook('onError', async () => {
    counters.badRequests++;
  });
  app.get('/health', async () => ({ status: state.ready ? 'ok' : 'starting' }));
  app.get('/stats', async () => common.selfStats());
  route(app, '/api/orders', (order) => {
    const result = common.priceOrder(order, state.config);
    return [result.accepted ? 200 : 422, result];
  });
  route(app, '/api/events', (batch) => [200, common.ingestEvents(batch, state.config)]);
  route(app, '/api/github', (event) => {
    const result = common.githubEvent(event);
    return [result.accepted ? 200 : 422, result];
  });
  route(app, '/api/tweets', (body) => {
    const result = common.tweets(body);
    return [result.accepted ? 200 : 422, result];
  });
  route(app, '/api/documents', (doc) => [200, common.summarise(doc)]);
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: 'not found', method: request.method, path: request.url.split('?')[0] });
  });

  const shutdown = (signal) => {
    common.stopWatching();
    app.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
    process.stderr.write(JSON.stringify({ event: 'stopping', signal }) + '\n');
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  try {
    await app.listen({ port: PORT, host: HOST });
  } catch (err) {
    process.stderr.write(JSON.stringify({ event: 'error', code: err.code, message: err.message, port: PORT }) + '\n');
    process.exit(1);
  }
  const { port } = app.server.address();
  process.stdout.write(JSON.stringify({ event: 'listening', host: HOST, port, pid: process.pid, node: process.version, framework: `fastify ${require('fastify/package.json').version}` }) + '\n');
}

main();
