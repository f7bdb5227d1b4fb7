'use strict';
// What a shared object asks of the dynamic loader: its NEEDED libraries and the symbol versions it
// requires from each (.gnu.version_r). A small reader of our own, so that the check of the shipped
// binaries needs no binutils and reads exactly what ld.so reads. ELF64 little-endian only (x64,
// arm64). Also a command: node scripts/elf-needs.js <file>... prints one JSON line per file.
const fs = require('node:fs');

const MACHINES = { 62: 'x64', 183: 'arm64' };
const SHT_DYNAMIC = 6;
const SHT_GNU_VERNEED = 0x6ffffffe;
const DT_NEEDED = 1;

function readElf(file) {
  const b = fs.readFileSync(file);
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${file}: not an ELF file`);
  if (b[4] !== 2 || b[5] !== 1) throw new Error(`${file}: not a 64-bit little-endian ELF file`);
  const machine = MACHINES[b.readUInt16LE(0x12)] ?? `e_machine ${b.readUInt16LE(0x12)}`;
  const shoff = Number(b.readBigUInt64LE(0x28));
  const shentsize = b.readUInt16LE(0x3a);
  const shnum = b.readUInt16LE(0x3c);
  const sections = [];
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * shentsize;
    sections.push({
      type: b.readUInt32LE(o + 4),
      offset: Number(b.readBigUInt64LE(o + 0x18)),
      size: Number(b.readBigUInt64LE(o + 0x20)),
      link: b.readUInt32LE(o + 0x28),
    });
  }
  const str = (section, at) => {
    const start = sections[section.link].offset + at;
    return b.toString('latin1', start, b.indexOf(0, start));
  };

  const needed = [];
  for (const s of sections.filter((x) => x.type === SHT_DYNAMIC)) {
    for (let o = s.offset; o + 16 <= s.offset + s.size; o += 16) {
      const tag = b.readBigInt64LE(o);
      if (tag === 0n) break;
      if (tag === BigInt(DT_NEEDED)) needed.push(str(s, Number(b.readBigUInt64LE(o + 8))));
    }
  }

  // Verneed entries: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32; each with
  // vn_cnt Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32.
  const versions = [];
  for (const s of sections.filter((x) => x.type === SHT_GNU_VERNEED)) {
    let o = s.offset;
    for (;;) {
      const cnt = b.readUInt16LE(o + 2);
      const libFile = str(s, b.readUInt32LE(o + 4));
      let a = o + b.readUInt32LE(o + 8);
      for (let i = 0; i < cnt; i++) {
        versions.push({ file: libFile, name: str(s, b.readUInt32LE(a + 8)), weak: (b.readUInt16LE(a + 4) & 2) !== 0 });
        const next = b.readUInt32LE(a + 12);
        if (!next) break;
        a += next;
      }
      const next = b.readUInt32LE(o + 12);
      if (!next) break;
      o += next;
    }
  }
  return { machine, needed, versions, hasDebugInfo: hasDebug(b, sections) };
}

// Section names live in .shstrtab (e_shstrndx); a stripped binary has no .symtab and no .debug_*.
function hasDebug(b, sections) {
  const shstrndx = b.readUInt16LE(0x3e);
  const names = sections[shstrndx];
  const shoff = Number(b.readBigUInt64LE(0x28));
  const shentsize = b.readUInt16LE(0x3a);
  return sections.some((s, i) => {
    const nameAt = names.offset + b.readUInt32LE(shoff + i * shentsize);
    const name = b.toString('latin1', nameAt, b.indexOf(0, nameAt));
    return name.startsWith('.debug_') || name === '.symtab';
  });
}

/** "GLIBC_2.28" -> [2, 28]; compares like versions, not strings. */
function versionParts(name) {
  return name.replace(/^[A-Z]+_/, '').split('.').map(Number);
}

function versionAbove(name, limit) {
  const a = versionParts(name);
  const b = versionParts(limit);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d) return d > 0;
  }
  return false;
}

// What Node's own binaries need (their official builds target glibc 2.28) and what every such
// system has; GCC_ versions come from libgcc_s.so.1, which RHEL 8's GCC 8 ships up to GCC_7.0.0.
const BASELINE = { GLIBC: 'GLIBC_2.28', GCC: 'GCC_7.0.0' };
const ALLOWED_LIBS = /^(libc\.so\.6|libdl\.so\.2|libpthread\.so\.0|libm\.so\.6|libgcc_s\.so\.1|ld-linux-x86-64\.so\.2|ld-linux-aarch64\.so\.1)$/;

/** Every reason the binary would not load on the glibc 2.28 baseline; [] when it would. */
function baselineProblems(info) {
  const problems = [];
  for (const lib of info.needed) if (!ALLOWED_LIBS.test(lib)) problems.push(`NEEDED ${lib}`);
  for (const v of info.versions) {
    const family = v.name.split('_')[0];
    if (family === 'GLIBC' || family === 'GCC') {
      if (versionAbove(v.name, BASELINE[family])) problems.push(`${v.file} ${v.name} (above ${BASELINE[family]})`);
    } else {
      problems.push(`${v.file} ${v.name} (no such version may be required)`);
    }
  }
  if (info.hasDebugInfo) problems.push('not stripped (.symtab or .debug_* sections present)');
  return problems;
}

module.exports = { readElf, baselineProblems, versionAbove, BASELINE };

if (require.main === module) {
  let bad = false;
  for (const file of process.argv.slice(2)) {
    const info = readElf(file);
    const problems = baselineProblems(info);
    bad ||= problems.length > 0;
    console.log(JSON.stringify({ file, machine: info.machine, needed: info.needed, versions: [...new Set(info.versions.map((v) => v.name))], problems }));
  }
  process.exit(bad ? 1 : 0);
}
