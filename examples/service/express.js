#!/usr/bin/env node
'use strict';
/**
 * The demo service on express 5, written as an express user would: `express.json()` with a limit
 * from the configuration, route handlers, and an error handler that answers JSON (the default
 * one answers HTML with a stack trace outside production). The configuration, the ready gate, the
 * config-changed bus and the business logic are the node:http service's (./common.js). Nothing
 * here knows about afterburner.
 *
 *   PORT=0 CONFIG_DIR=./config node express.js
 *
 * Routes: POST /api/orders, /api/events, /api/github, /api/tweets, /api/documents; GET /health,
 * GET /stats. Prints {"event":"listening","port":…,"pid":…} on stdout once it listens.
 */
const express = require('express');
const common = require('./common');

const { HOST, PORT, CONFIG_DIR, state, counters, untilReady } = common;

function route(app, url, handle) {
  app.post(url, async (req, res) => {
    await untilReady();
    const [status, body] = handle(req.body);
    res.status(status).json(body);
  });
}

async function main() {
  await common.loadConfig('start').catch((err) => {
    process.stderr.write(JSON.stringify({ event: 'fatal', message: `cannot load configuration from ${CONFIG_DIR}: ${err.message}` }) + '\n');
    process.exit(1);
  });
  common.watchConfig();
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    counters.requests++;
    const key = `${req.method} ${req.path}`;
    counters.byRoute[key] = (counters.byRoute[key] || 0) + 1;
    next();
  });
  app.use(express.json({ limit: state.config.service.maxBodyBytes }));
  app.get('/health', (req, res) => res.json({ status: state.ready ? 'ok' : 'starting' }));
  app.get('/stats', (req, res) => res.json(common.selfStats()));
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
  app.use((req, res) => res.status(404).json({ error: 'not found', method: req.method, path: req.path }));
  // body-parser's errors carry status and type; the message is the parser's own.
  app.use((err, req, res, next) => {
    counters.badRequests++;
    res.status(err.status || 500).json({ error: err.type || 'internal error', message: err.expose ? err.message : undefined });
  });

  const server = app.listen(PORT, HOST);
  common.trackConnections(server);
  server.on('error', (err) => {
    process.stderr.write(JSON.stringify({ event: 'error', code: err.code, message: err.message, port: PORT }) + '\n');
    process.exit(1);
  });
  server.on('listening', () => {
    const { port } = server.address();
    process.stdout.write(JSON.stringify({ event: 'listening', host: HOST, port, pid: process.pid, node: process.version, framework: `express ${require('express/package.json').version}` }) + '\n');
  });
  const shutdown = (signal) => {
    common.stopWatching();
    server.close(() => process.exit(0));
    server.closeIdleConnections?.();
    setTimeout(() => process.exit(0), 2000).unref();
    process.stderr.write(JSON.stringify({ event: 'stopping', signal }) + '\n');
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main();
