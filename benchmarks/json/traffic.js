'use strict';
// Real traffic for the json benchmark and tests: every call a different document. Same-schema
// variants of the corpus files (keys kept, numbers and strings replaced, in ASCII, Latin-1 or CJK
// text), maps keyed by ids whose keys never repeat, and a service mix of API payload sizes.
// Everything is seeded, so a run can be repeated exactly.
const corpus = require('./corpus');

const { mulberry32: rng } = require('../lib/random');

const WORDS = {
  ascii: ['alpha', 'harbor', 'cobalt', 'meadow', 'ember', 'quartz', 'willow', 'saffron', 'granite', 'lumen', 'orchid', 'tundra', 'velvet', 'zephyr', 'the', 'and', 'of', 'release', 'update', 'build'],
  // Every character fits in Latin-1: V8 stores these strings one-byte.
  latin1: ['café', 'Zürich', 'señor', 'façade', 'crème', 'déjà', 'naïve', 'Ærø', 'über', 'São', 'Málaga', 'garçon', 'the', 'and', 'résumé', 'piñata', 'smörgås', 'fjörð', 'élan', 'coöp'],
  // CJK and a little Cyrillic: two-byte strings.
  cjk: ['東京', '大阪', '北京', '上海', 'こんにちは', '世界', '데이터', '서울', 'Москва', '数据', '更新', '版本', 'the', 'and', '发布', '用户', 'テスト', '日本語', '中文', '한국어'],
};
const FLAVORS = Object.keys(WORDS);

const DIGITS_ONLY = /^[0-9]+$/;

function words(rand, flavor, length) {
  const list = WORDS[flavor];
  let s = '';
  while (s.length < length) s += (s ? ' ' : '') + list[Math.floor(rand() * list.length)];
  return s;
}

function newNumber(rand, v) {
  if (Number.isInteger(v)) {
    if (v === 0 || v === 1) return rand() < 0.5 ? 0 : 1;
    const scaled = Math.round(v * (0.5 + rand()));
    return Number.isSafeInteger(scaled) ? scaled : v;
  }
  const text = String(v);
  const dot = text.indexOf('.');
  const decimals = dot < 0 || text.includes('e') ? 6 : text.length - dot - 1;
  const x = v * (0.5 + rand());
  const rounded = Number(x.toFixed(Math.min(decimals, 15)));
  return Number.isFinite(rounded) ? rounded : v;
}

/**
 * The same document with other values: every key kept, numbers scaled, strings of digits replaced
 * by other digits, other strings by words of the flavor with about the same length.
 */
function variantOf(value, rand, flavor) {
  if (typeof value === 'number') return newNumber(rand, value);
  if (typeof value === 'string') {
    if (value === '') return value;
    if (DIGITS_ONLY.test(value)) {
      let s = '';
      for (let i = 0; i < value.length; i++) s += Math.floor(rand() * 10);
      return s;
    }
    return words(rand, flavor, Math.max(1, Math.min(value.length, 400)));
  }
  if (Array.isArray(value)) return value.map((v) => variantOf(v, rand, flavor));
  if (value && typeof value === 'object') {
    const out = {};
    for (const k of Object.keys(value)) out[k] = variantOf(value[k], rand, flavor);
    return out;
  }
  return value;
}

/** Text as a service has it: the UTF-8 bytes of the body decoded with buf.toString(). */
function asReceived(value) {
  return Buffer.from(JSON.stringify(value)).toString();
}

/** `count` variants of a corpus document. */
function variants(doc, flavor, count, seed) {
  const base = JSON.parse(doc.text);
  const rand = rng(seed);
  const out = [];
  for (let i = 0; i < count; i++) out.push(asReceived(variantOf(base, rand, flavor)));
  return out;
}

/**
 * A map keyed by ids (`{"u1000001":{"n":0,"ok":true,"name":"user0"},...}`): `next()` returns a new
 * document each time, whose keys no earlier document had.
 */
function idMaps(entries, seed = 1) {
  let id = 1000000 + seed * 100000000;
  return () => {
    let s = '{';
    for (let i = 0; i < entries; i++) s += `${i ? ',' : ''}"u${id++}":{"n":${i},"ok":${i % 3 !== 0},"name":"user${i}"}`;
    return s + '}';
  };
}

function userEvent(rand, i, flavor) {
  return {
    id: 5000000 + Math.floor(rand() * 1e6),
    type: ['click', 'view', 'purchase', 'signup'][i % 4],
    user: { id: Math.floor(rand() * 1e6), name: words(rand, flavor, 8), premium: rand() < 0.2 },
    at: new Date(1700000000000 + Math.floor(rand() * 1e10)).toISOString(),
    props: { path: `/p/${Math.floor(rand() * 1000)}`, ms: Math.floor(rand() * 900) },
  };
}

function order(rand, i, flavor, items) {
  const lines = [];
  for (let k = 0; k < items; k++) {
    lines.push({ sku: `SKU-${Math.floor(rand() * 90000 + 10000)}`, name: words(rand, flavor, 14), quantity: 1 + Math.floor(rand() * 5), unitPrice: Math.round(rand() * 20000) / 100 });
  }
  return { orderRef: `ord-${i}`, customer: { id: Math.floor(rand() * 1e6), email: `user${i}@example.com`, country: ['DE', 'FR', 'JP', 'US'][i % 4] }, items: lines, total: Math.round(rand() * 1e6) / 100, paid: rand() < 0.8 };
}

/**
 * A service's requests: mostly small (~300 B: one event or a small order), some ~3 KB (an order of
 * about 25 lines, a page of 10 events), a few ~40 KB (a page of ~150 events); fresh values in every
 * document, text mostly ASCII with some Latin-1 and CJK.
 */
function serviceMix(count, seed = 7) {
  const rand = rng(seed);
  const out = [];
  for (let i = 0; i < count; i++) {
    const flavor = rand() < 0.8 ? 'ascii' : rand() < 0.5 ? 'latin1' : 'cjk';
    const r = rand();
    let value;
    if (r < 0.85) value = rand() < 0.5 ? userEvent(rand, i, flavor) : order(rand, i, flavor, 1 + Math.floor(rand() * 2));
    else if (r < 0.97) value = rand() < 0.5 ? order(rand, i, flavor, 20 + Math.floor(rand() * 10)) : { page: 1, events: Array.from({ length: 10 }, (_, k) => userEvent(rand, k, flavor)) };
    else value = { page: 1, events: Array.from({ length: 130 + Math.floor(rand() * 40) }, (_, k) => userEvent(rand, k, flavor)) };
    out.push(asReceived(value));
  }
  return out;
}

module.exports = { variants, variantOf, idMaps, serviceMix, FLAVORS, corpus };
