'use strict';
// The service of the allocator benchmark (benchmarks/gc/malloc.js): an HTTP server whose requests
// allocate the way API services do, in V8's heap and in the C heap alike: the gzipped body is
// inflated in the threadpool (zlib's state and output are malloc'd there, in that thread's
// arena), the JSON is parsed, reshaped and serialized, the response is gzipped in the threadpool
// again, large Buffers come from malloc, and a bounded cache keeps a small copy of every response
// alive (in Buffer's 8 KB pool slabs, themselves malloc'd) while the rest is freed: the mix that
// fragments a malloc heap so that freed memory cannot be returned.
const http = require('node:http');
const zlib = require('node:zlib');

const CACHE_SIZE = 2000;
const cache = new Map();
let served = 0;

function handle(body, id) {
  const doc = JSON.parse(body.toString('utf8'));
  const items = doc.items.map((item, i) => ({ ...item, seen: id, rank: i }));
  const out = Buffer.from(JSON.stringify({ id, count: items.length, items }));
  // A small piece of each response outlives the request (a session or response cache).
  cache.set(id, Buffer.from(out.subarray(0, 64 + (id % 512))));
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value);
  return out;
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    // The client's view of where RSS is: V8's heap vs the rest (mostly the C heap).
    res.end(JSON.stringify(process.memoryUsage()));
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const id = served++;
    zlib.gunzip(Buffer.concat(chunks), (inflateError, body) => {
      let out;
      try {
        if (inflateError) throw inflateError;
        out = handle(body, id);
      } catch (err) {
        res.writeHead(400).end(String(err));
        return;
      }
      respond(res, out, id);
    });
  });
});

function respond(res, out, id) {
  zlib.gzip(out, { level: 1 + (id % 6) }, (err, gz) => {
    if (err) {
      res.writeHead(500).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': gz.length });
    res.end(gz);
  });
}
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: server.address().port, pid: process.pid }));
});
process.on('SIGTERM', () => process.exit(0));
