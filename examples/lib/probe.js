'use strict';
// Started the same way as the afterburner variant of the service, to ask afterburner (from the
// demo's side, not the service's) what it installed in such a process.
const path = require('node:path');
const v8 = require('node:v8');

const root = path.resolve(__dirname, '..', '..');
const out = { pid: process.pid, execArgv: process.execArgv, nodeOptions: process.env.NODE_OPTIONS || '', mallocArenaMax: process.env.MALLOC_ARENA_MAX || '' };
// The demo services' frameworks, loaded and used once as the services do, so that the status shows
// what the integrations did with them.
for (const load of [() => require('fastify')(), () => require('express').json()]) {
  try {
    load();
  } catch {}
}
try {
  out.status = require(root).status();
} catch (err) {
  out.error = err.message;
}
const newSpace = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
out.newSpaceBytes = newSpace ? newSpace.space_size : null;
process.stdout.write(JSON.stringify(out) + '\n');
