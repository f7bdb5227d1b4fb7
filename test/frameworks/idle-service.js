'use strict';
// An idle fastify service (or, with IDLE=empty, an empty script): prints its VmRSS once started,
// and which of afterburner's parts (and node's worker_threads) this process loaded.
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');

function report() {
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]);
  const loaded = Object.keys(require.cache)
    .map((f) => path.relative(ROOT, f).split(path.sep).join('/'))
    .filter((f) => /^(dist|build)\//.test(f) || f.startsWith('node_modules/require-in-the-middle/'))
    .map((f) => f.replace(/^node_modules\//, ''));
  const workerThreads = process.moduleLoadList.includes('NativeModule worker_threads');
  process.stdout.write(JSON.stringify({ rssKb, loaded, workerThreads }) + '\n');
  process.exit(0);
}

if (process.env.IDLE === 'empty') setTimeout(report, 300);
else {
  const app = require('fastify')();
  app.post('/', async (request) => request.body);
  app.listen({ port: 0, host: '127.0.0.1' }).then(() => setTimeout(report, 300));
}
