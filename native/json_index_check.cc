// Standalone check of the addon's own stage 1 (native/json_index.cc) against simdjson's stage 1
// plus the walk's per-token escape checks, which it replaces on AVX-512 and AVX2 machines. Not
// part of the addon (binding.gyp does not list it); test 18 builds and runs it. Build and run from
// the package root (x86-64; g++ or clang++; AFTERBURNER_JSON_WIDE=avx2 checks the AVX2 build on an
// AVX-512 machine):
//
//   S=$(dirname $(node -p "require.resolve('@nozbe/simdjson/package.json')"))/src
//   c++ -O2 -std=c++17 -I$S -Inative native/json_index_check.cc native/json_index.cc native/json_validate.cc \
//     $S/simdjson.cpp -o /tmp/index-check
//   /tmp/index-check [documents] [file.json...]
//
// 1. The corpus files given: the same verdict and identical structural indexes.
// 2. Random documents (numbers, strings with every escape, literals, nesting, whitespace), three
//    in four mutated (a byte replaced, inserted or deleted from a hostile alphabet): the same
//    verdict (valid or not), identical indexes when valid. Each document ends right before a
//    PROT_NONE page or starts right after one, so a read past its end or before its start crashes.
// 3. Strings made of backslashes, quotes, 'u' and hex digits at every offset: the same verdict.
// 4. UTF-8 across the 4 KB chunks: long documents of 2-, 3- and 4-byte characters, half of them
//    with one broken sequence (inside a string, or within a few bytes of a chunk boundary): valid
//    exactly when simdjson's stage 1 says so.
// 5. Arrays of numbers shifted by 0 to 63 bytes with every single-byte defect around the block
//    boundaries: the same verdict (the walk's number runs, over either stage 1).
#include "simdjson.h"
#include "json_validate.h"
#include <sys/mman.h>
#include <unistd.h>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>
using namespace afterburner::jsonwalk;
simdjson::dom::parser parser;
std::vector<uint8_t> stack1, stack2;
std::vector<uint32_t> idx2;
static uint8_t* page = nullptr; static size_t pageSize = 0, region = 0;
// Every other document starts right after a PROT_NONE page instead (a read before it crashes).
static uint8_t* front = nullptr;
static long placed = 0;
const uint8_t* PlaceFront(const std::string& d) {
  if (!front) { front = (uint8_t*)mmap(nullptr, region + pageSize, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0); mprotect(front, pageSize, PROT_NONE); }
  if (d.size() > region) return nullptr;
  memcpy(front + pageSize, d.data(), d.size()); return front + pageSize;
}
const uint8_t* PlaceEnd(const std::string& d);
const uint8_t* Place(const std::string& d) {
  if (!page) PlaceEnd(std::string());
  return placed++ % 2 ? PlaceFront(d) : PlaceEnd(d);
}
const uint8_t* PlaceEnd(const std::string& d) {
  if (!page) { pageSize = sysconf(_SC_PAGESIZE); region = 64 * pageSize; page = (uint8_t*)mmap(nullptr, region + pageSize, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0); mprotect(page + region, pageSize, PROT_NONE); }
  if (d.size() > region) return nullptr;
  uint8_t* p = page + region - d.size(); memcpy(p, d.data(), d.size()); return p;
}
// Verdicts: 0 valid, 1 invalid, 2 ask the builtin (UTF-8).
int SimdjsonPath(const uint8_t* in, size_t len) {
  if (len == 0) return 1;
  if (parser.capacity() < len && parser.allocate(len + 4096, 1024)) return 2;
  auto e = parser.implementation->stage1(in, len, simdjson::stage1_mode::regular);
  if (e == simdjson::EMPTY || e == simdjson::UNCLOSED_STRING || e == simdjson::UNESCAPED_CHARS) return 1;
  if (e) return 2;
  return Walk(in, len, parser.implementation->structural_indexes.get(), parser.implementation->n_structural_indexes, stack1, nullptr) ? 0 : 1;
}
int IndexPath(const uint8_t* in, size_t len) {
  uint32_t n;
  auto v = Index(in, len, idx2, &n);
  if (v == kIndexInvalid) return 1;
  if (v == kIndexUtf8) return 2;
  return Walk(in, len, idx2.data(), n, stack2, nullptr, true) ? 0 : 1;
}
std::mt19937_64 rng(1);
size_t R(size_t n) { return rng() % n; }
std::string Num() {
  std::string s; if (R(3)==0) s += '-';
  if (R(5)==0) s += '0'; else { s += char('1'+R(9)); size_t k = R(4)==0 ? R(40) : R(6); for (size_t i=0;i<k;i++) s += char('0'+R(10)); }
  if (R(3)==0) { s += '.'; size_t k = 1 + (R(4)==0 ? R(40) : R(5)); for (size_t i=0;i<k;i++) s += char('0'+R(10)); }
  if (R(4)==0) { s += R(2)?'e':'E'; if (R(2)) s += R(2)?'+':'-'; size_t k = 1+R(4); for (size_t i=0;i<k;i++) s += char('0'+R(10)); }
  return s;
}
std::string Str() {
  std::string s = "\""; size_t k = R(4)==0 ? R(120) : R(12);
  for (size_t i=0;i<k;i++) {
    size_t r = R(20);
    if (r == 0) { const char* e[] = {"\\n","\\\\","\\\"","\\/","\\u00e9","\\uD83D\\uDE00","\\b","\\t","\\r","\\f","\\u12aF"}; s += e[R(11)]; }
    else if (r == 1) s += "\xc3\xa9";
    else if (r == 2) s += char('0'+R(10));
    else s += char('a' + R(26));
  }
  return s + "\"";
}
std::string Ws() { static const char* w[] = {""," ","\n  ","\t","\r\n", "                                                                  "}; return R(3) ? "" : w[R(6)]; }
std::string Val(int depth) {
  size_t r = R(depth > 6 ? 4 : 7);
  switch (r) {
    case 0: case 1: return Num();
    case 2: return Str();
    case 3: { const char* l[] = {"true","false","null"}; return l[R(3)]; }
    case 4: case 5: { std::string s = "["+Ws(); size_t k = R(8); for (size_t i=0;i<k;i++) { if (i) s += Ws()+","+Ws(); s += Val(depth+1); } return s + Ws() + "]"; }
    default: { std::string s = "{"+Ws(); size_t k = R(6); for (size_t i=0;i<k;i++) { if (i) s += Ws()+","+Ws(); s += Str() + Ws() + ":" + Ws() + Val(depth+1); } return s + Ws() + "}"; }
  }
}
int main(int argc, char** argv) {
  long docs = argc > 1 ? atol(argv[1]) : 200000;
  printf("stage 1: %s\n", IndexName());
  if (!IndexAvailable()) return 2;
  long mismatches = 0, counts[3] = {0,0,0};
  // corpus: indexes identical
  for (int a = 2; a < argc; a++) {
    std::ifstream f(argv[a], std::ios::binary); std::stringstream ss; ss << f.rdbuf(); std::string s = ss.str();
    const uint8_t* in = (const uint8_t*)s.data();
    int o = SimdjsonPath(in, s.size()); int nv = IndexPath(in, s.size());
    uint32_t n; Index(in, s.size(), idx2, &n);
    bool same = n == parser.implementation->n_structural_indexes && memcmp(idx2.data(), parser.implementation->structural_indexes.get(), n*4) == 0;
    printf("%s old %d new %d indexes %s (%u)\n", argv[a], o, nv, same ? "same" : "DIFFERENT", n);
    if (!same || o != nv) mismatches++;
  }
  const char alphabet[] = "0123456789-+.eE\"\\,:[]{} \n\tu/bfnrtx\x01\x1f\xc3\xa9\x80";
  for (long d = 0; d < docs; d++) {
    std::string doc = Ws() + Val(0) + Ws();
    int mut = R(4) == 0 ? 0 : 1 + R(3);
    for (int m = 0; m < mut && !doc.empty(); m++) {
      size_t at = R(doc.size()); char ch = alphabet[R(sizeof alphabet - 1)];
      switch (R(3)) { case 0: doc[at] = ch; break; case 1: doc.insert(doc.begin()+at, ch); break; default: doc.erase(at, 1); }
    }
    const uint8_t* in = Place(doc);
    if (!in) continue;
    int o = SimdjsonPath(in, doc.size()); int nv = IndexPath(in, doc.size());
    counts[nv]++;
    if ((o == 0) != (nv == 0)) {
      if (mismatches++ < 20) printf("MISMATCH old %d new %d: [%s]\n", o, nv, doc.c_str());
    } else if (o == 0) {
      uint32_t n; Index(in, doc.size(), idx2, &n);
      if (n != parser.implementation->n_structural_indexes || memcmp(idx2.data(), parser.implementation->structural_indexes.get(), n*4)) {
        if (mismatches++ < 20) printf("INDEX MISMATCH: [%s]\n", doc.c_str());
      }
    }
  }
  // Escape stress: strings made of backslashes, quotes and hex-ish bytes, at every offset.
  const char esc[] = "\\\\\\\"uaF0xn/ ";
  long escValid = 0;
  for (long d = 0; d < docs; d++) {
    std::string doc = "[" + std::string(R(70), ' ') + "\"";
    size_t k = R(150);
    for (size_t i = 0; i < k; i++) doc += esc[R(sizeof esc - 1)];
    doc += "\"" + std::string(R(3), ' ') + "," + Num() + "]";
    const uint8_t* in = Place(doc);
    int o = SimdjsonPath(in, doc.size()); int nv = IndexPath(in, doc.size());
    escValid += o == 0;
    if ((o == 0) != (nv == 0)) { if (mismatches++ < 40) printf("ESC MISMATCH old %d new %d: [%s]\n", o, nv, doc.c_str()); }
  }
  printf("escape docs valid %ld\n", escValid);
  // UTF-8 across chunk boundaries: long documents of multi-byte text, sometimes with one broken
  // sequence; the grammar stays valid, so both paths must agree exactly.
  long utfDocs = 0, utfBad = 0;
  for (long d = 0; d < docs / 20; d++) {
    std::string doc = "[";
    size_t target = 4000 + R(14000);
    static const char* chars[] = {"a", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", " ", "\\n"};
    while (doc.size() < target) {
      doc += doc.size() > 1 ? ",\"" : "\"";
      size_t k = R(200);
      for (size_t i = 0; i < k; i++) doc += chars[R(6)];
      doc += "\"";
    }
    doc += "]";
    if (R(2)) {
      static const char* broken[] = {"\x80", "\xc3", "\xe2\x82", "\xf0\x9f\x98", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff"};
      // inside a string: right after an opening quote
      if (R(2)) {
        size_t at = doc.find('"', R(doc.size()));
        if (at != std::string::npos && at + 1 < doc.size()) doc.insert(at + 1, broken[R(8)]);
      } else {
        // at a chunk boundary (4096 bytes), give or take a few
        size_t at = 4096 * (1 + R(doc.size() / 4096 + 1)) - 4 + R(8);
        if (at < doc.size() - 1 && doc[at] != '"' && doc[at - 1] != '\\' && doc[at] != '\\') doc.insert(at, broken[R(8)]);
      }
    }
    const uint8_t* in = Place(doc);
    if (!in) continue;
    int o = SimdjsonPath(in, doc.size()); int nv = IndexPath(in, doc.size());
    utfDocs++; utfBad += o == 2;
    if ((o == 0) != (nv == 0)) { if (mismatches++ < 40) printf("UTF8 MISMATCH old %d new %d size %zu\n", o, nv, doc.size()); }
  }
  printf("utf8 docs %ld, invalid utf8 %ld\n", utfDocs, utfBad);
  // Numbers across block boundaries: arrays of numbers (plain, exponents, negative zeros, long
  // ones) shifted by 0 to 63 bytes, with every single-byte defect in a window around the
  // boundaries at 64 and 128 (replace, insert, delete), against the per-token checks.
  long numDocs = 0, numValid = 0;
  const char defects[] = "0123456789-+.eE,] \"x";
  for (long d = 0; d < docs / 2000 + 1; d++) {
    std::string body;
    size_t k = 3 + R(12);
    for (size_t i = 0; i < k; i++) {
      if (i) body += R(4) ? "," : " , ";
      body += R(6) ? Num() : (R(2) ? "-0" : "0.0");
    }
    for (size_t shift = 0; shift < 64; shift += 1 + R(3)) {
      const std::string base = "[" + std::string(shift, ' ') + body + "]";
      for (size_t at = 50; at < base.size() && at < 140; at++) {
        for (int op = 0; op < 3; op++) {
          std::string doc = base;
          const char ch = defects[R(sizeof defects - 1)];
          if (op == 0) doc[at] = ch;
          else if (op == 1) doc.insert(doc.begin() + at, ch);
          else doc.erase(at, 1);
          const uint8_t* in = Place(doc);
          if (!in) continue;
          const int o = SimdjsonPath(in, doc.size()), nv = IndexPath(in, doc.size());
          numDocs++;
          numValid += o == 0;
          if ((o == 0) != (nv == 0)) { if (mismatches++ < 40) printf("NUMBER MISMATCH old %d new %d: [%s]\n", o, nv, doc.c_str()); }
        }
      }
    }
  }
  printf("number docs %ld, valid %ld\n", numDocs, numValid);
  printf("%ld docs, valid %ld invalid %ld unsure %ld, mismatches %ld\n", docs, counts[0], counts[1], counts[2], mismatches);
  return mismatches != 0;
}
