#!/usr/bin/env node
'use strict';
// A service that sends no JSON: GET /health on the demo's fastify and express services, plain vs
// `--require register.js`, 6 alternating rounds of 2 s (autocannon, 8 connections); prints the
// median round's requests/s, CPU per 1,000 requests and peak RSS of each.
// `node benchmarks/frameworks/no-json.js [path/to/node]` (from the package root)
const { spawn } = require('child_process');
const path = require('path');
const autocannon = require('autocannon');
const fs = require('fs');
const node = process.argv[2] || process.execPath;
function start(file, args) {
  return new Promise((resolve) => {
    const child = spawn(node, [...args, file], { env: { ...process.env, PORT: '0', CONFIG_DIR: path.join(__dirname, '..', '..', 'examples', 'service', 'config') }, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (d) => { const m = /"port":(\d+)/.exec(String(d)); if (m) resolve({ child, port: +m[1] }); });
  });
}
const cpu = (pid) => { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').slice(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').lastIndexOf(')') + 2).split(' '); return (+f[11] + +f[12]) * 10; };
const hwm = (pid) => +/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1];
(async () => {
  for (const svc of ['fastify', 'express']) {
    const file = path.join(__dirname, '..', '..', 'examples', 'service', `${svc}.js`);
    const a = await start(file, []), b = await start(file, ['--require', path.join(__dirname, '..', '..', 'register.js')]);
    const res = { plain: [], ab: [] }, c = { plain: 0, ab: 0 }, n = { plain: 0, ab: 0 };
    for (let r = 0; r < 6; r++) for (const [k, s] of r % 2 ? [['ab', b], ['plain', a]] : [['plain', a], ['ab', b]]) {
      const c0 = cpu(s.child.pid);
      const out = await autocannon({ url: `http://127.0.0.1:${s.port}/health`, connections: 8, duration: 2 });
      c[k] += cpu(s.child.pid) - c0; n[k] += out.requests.total; res[k].push(out.requests.average);
    }
    const med = (x) => x.sort((p, q) => p - q)[x.length >> 1];
    console.log(svc, 'GET /health rps median plain', med(res.plain), 'ab', med(res.ab), 'ratio', (med(res.ab) / med(res.plain)).toFixed(3), 'cpu/1k plain', (c.plain / n.plain * 1000).toFixed(1), 'ab', (c.ab / n.ab * 1000).toFixed(1), 'peak RSS MB', (hwm(a.child.pid) / 1024).toFixed(1), (hwm(b.child.pid) / 1024).toFixed(1));
    a.child.kill(); b.child.kill();
  }
})();
