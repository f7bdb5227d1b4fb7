// Standalone check of the addon's own stage 1 (native/json_index.cc) against simdjson's stage 1
// plus the walk's per-token escape checks, which the own stage 1 replaces on AVX-512 and AVX2
// machines. Not part of the addon (binding.gyp does not list it); test 18 builds and runs it.
// Build and run from the package root (x86-64; g++ or clang++; AFTERBURNER_JSON_WIDE=avx2 checks
// the AVX2 build on an AVX-512 machine):
//
//   S=$(dirname $(node -p "require.resolve('@nozbe/simdjson/package.json')"))/src
//   N=native
//   c++ -O2 -std=c++17 -I$S -I$N test/native/json_index_check.cc $N/json_index.cc $N/json_walk.cc $N/cpu.cc \
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
//
// In the output and in the verdicts below, "old" is simdjson's stage 1 plus the walk and "new" is
// the own stage 1 plus the walk.
#include "simdjson.h"
#include "json_index.h"
#include "json_walk.h"
#include <sys/mman.h>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace afterburner::jsonwalk;

namespace {

// ---- The two paths under comparison ----

// The verdict of either path; the numbers are printed. kUnsure: not valid UTF-8 (or another stage 1
// error), where the addon leaves the answer to the builtin JSON.parse.
enum Verdict { kValid = 0, kInvalid = 1, kUnsure = 2 };

// Global so they are reused across documents; the corpus and random checks read the structural
// indexes simdjson's stage 1 left in the parser after SimdjsonVerdict returns.
simdjson::dom::parser parser;
std::vector<uint8_t> simdjsonStack;
std::vector<uint8_t> ownStack;
std::vector<uint32_t> ownIndexes;

int SimdjsonVerdict(const uint8_t* in, size_t len) {
  if (len == 0) {
    return kInvalid;
  }
  if (parser.capacity() < len) {
    if (parser.allocate(len + 4096, 1024)) {
      return kUnsure;
    }
  }
  auto error = parser.implementation->stage1(in, len, simdjson::stage1_mode::regular);
  if (error == simdjson::EMPTY || error == simdjson::UNCLOSED_STRING || error == simdjson::UNESCAPED_CHARS) {
    return kInvalid;
  }
  if (error) {
    return kUnsure;
  }
  const uint32_t* indexes = parser.implementation->structural_indexes.get();
  const uint32_t count = parser.implementation->n_structural_indexes;
  return Walk(in, len, indexes, count, simdjsonStack, nullptr) ? kValid : kInvalid;
}

int OwnVerdict(const uint8_t* in, size_t len) {
  uint32_t count = 0;
  const IndexVerdict verdict = Index(in, len, ownIndexes, &count);
  if (verdict == kIndexInvalid) {
    return kInvalid;
  }
  if (verdict == kIndexUtf8) {
    return kUnsure;
  }
  // prechecked: the own stage 1 has already checked every escape.
  return Walk(in, len, ownIndexes.data(), count, ownStack, nullptr, true) ? kValid : kInvalid;
}

// Runs the own stage 1 again (OwnVerdict keeps only the verdict) and compares its indexes with those
// simdjson's stage 1 left in the parser for the same document. Sets *count to the own count.
bool SameIndexes(const uint8_t* in, size_t len, uint32_t* count) {
  Index(in, len, ownIndexes, count);
  return *count == parser.implementation->n_structural_indexes &&
         memcmp(ownIndexes.data(), parser.implementation->structural_indexes.get(), *count * 4) == 0;
}

bool SameValidity(int oldVerdict, int newVerdict) {
  return (oldVerdict == kValid) == (newVerdict == kValid);
}

// Shared by all sections: it sets the exit status, and each section prints a MISMATCH line only
// while this running total is below its cap, so a broken build does not flood the output.
long mismatches = 0;

bool CountMismatchAndShouldPrint(long printCap) {
  return mismatches++ < printCap;
}

// ---- Guard pages ----
// Documents alternately end right before a PROT_NONE page and start right after one, so a read
// past the end or before the start of the input crashes instead of passing unnoticed.

size_t pageSize = 0;
size_t regionSize = 0;           // the largest document that can be placed
uint8_t* endRegion = nullptr;    // regionSize bytes, then the PROT_NONE page
uint8_t* startRegion = nullptr;  // the PROT_NONE page, then regionSize bytes
long placedCount = 0;

uint8_t* MapWithGuard(size_t guardOffset) {
  auto* map = static_cast<uint8_t*>(mmap(nullptr, regionSize + pageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  mprotect(map + guardOffset, pageSize, PROT_NONE);
  return map;
}

// Returns where the copy of the document starts, or nullptr when it is too long to place.
const uint8_t* Place(const std::string& doc) {
  if (!endRegion) {
    pageSize = sysconf(_SC_PAGESIZE);
    regionSize = 64 * pageSize;
    endRegion = MapWithGuard(regionSize);
    startRegion = MapWithGuard(0);
  }
  const bool atEnd = placedCount++ % 2 == 0;
  if (doc.size() > regionSize) {
    return nullptr;
  }
  uint8_t* at = atEnd ? endRegion + regionSize - doc.size() : startRegion + pageSize;
  memcpy(at, doc.data(), doc.size());
  return at;
}

// ---- Random documents ----
// GCC evaluates the operands of a chain of std::string + from right to left; the generators draw
// in that order explicitly so that they produce the same documents as the earlier dense version.

std::mt19937_64 rng(1);

size_t Rand(size_t n) {
  return rng() % n;
}

void AppendDigits(std::string& s, size_t count) {
  for (size_t i = 0; i < count; i++) {
    s += char('0' + Rand(10));
  }
}

// Mostly short, sometimes 40 digits long, to cross the walk's number fast paths.
std::string RandomNumber() {
  std::string s;
  if (Rand(3) == 0) {
    s += '-';
  }
  if (Rand(5) == 0) {
    s += '0';
  } else {
    s += char('1' + Rand(9));
    const size_t moreDigits = Rand(4) == 0 ? Rand(40) : Rand(6);
    AppendDigits(s, moreDigits);
  }
  if (Rand(3) == 0) {
    s += '.';
    const size_t fractionDigits = 1 + (Rand(4) == 0 ? Rand(40) : Rand(5));
    AppendDigits(s, fractionDigits);
  }
  if (Rand(4) == 0) {
    s += Rand(2) ? 'e' : 'E';
    if (Rand(2)) {
      s += Rand(2) ? '+' : '-';
    }
    const size_t exponentDigits = 1 + Rand(4);
    AppendDigits(s, exponentDigits);
  }
  return s;
}

// Every escape (surrogate pairs included) and non-ASCII text among plain letters and digits.
std::string RandomString() {
  static const char* const escapes[] = {"\\n", "\\\\", "\\\"", "\\/", "\\u00e9", "\\uD83D\\uDE00", "\\b", "\\t", "\\r", "\\f", "\\u12aF"};
  std::string s = "\"";
  const size_t length = Rand(4) == 0 ? Rand(120) : Rand(12);
  for (size_t i = 0; i < length; i++) {
    const size_t kind = Rand(20);
    if (kind == 0) {
      s += escapes[Rand(11)];
    } else if (kind == 1) {
      s += "\xc3\xa9";
    } else if (kind == 2) {
      s += char('0' + Rand(10));
    } else {
      s += char('a' + Rand(26));
    }
  }
  return s + "\"";
}

// Usually none; the long run of spaces is longer than a 64-byte block.
std::string Whitespace() {
  static const char* const choices[] = {
      "", " ", "\n  ", "\t", "\r\n", "                                                                  "};
  return Rand(3) ? "" : choices[Rand(6)];
}

// ',' or ':' with optional whitespace on either side (drawn after, then before: see above).
std::string Separator(char c) {
  const std::string after = Whitespace();
  const std::string before = Whitespace();
  return before + c + after;
}

std::string RandomValue(int depth) {
  // Deeper than 6 levels, scalars only, so the documents stay small.
  const size_t kind = Rand(depth > 6 ? 4 : 7);
  switch (kind) {
    case 0:
    case 1:
      return RandomNumber();
    case 2:
      return RandomString();
    case 3: {
      static const char* const literals[] = {"true", "false", "null"};
      return literals[Rand(3)];
    }
    case 4:
    case 5: {
      std::string s = "[" + Whitespace();
      const size_t elements = Rand(8);
      for (size_t i = 0; i < elements; i++) {
        if (i) {
          s += Separator(',');
        }
        s += RandomValue(depth + 1);
      }
      return s + Whitespace() + "]";
    }
    default: {
      std::string s = "{" + Whitespace();
      const size_t members = Rand(6);
      for (size_t i = 0; i < members; i++) {
        if (i) {
          s += Separator(',');
        }
        // Drawn value first, key last (see above).
        const std::string value = RandomValue(depth + 1);
        const std::string colon = Separator(':');
        const std::string key = RandomString();
        s += key + colon + value;
      }
      return s + Whitespace() + "}";
    }
  }
}

// ---- Judging one document ----

struct Verdicts {
  int old;  // simdjson's stage 1 plus the walk
  int own;  // the own stage 1 plus the walk
};

// Both verdicts for `doc` placed against a guard page; nullptr (nothing judged) when it is too
// large to place, else where it was placed.
const uint8_t* Judge(const std::string& doc, Verdicts* verdicts) {
  const uint8_t* in = Place(doc);
  if (in) {
    verdicts->old = SimdjsonVerdict(in, doc.size());
    verdicts->own = OwnVerdict(in, doc.size());
  }
  return in;
}

// False (and a MISMATCH line while under the print cap) when one path calls the document valid
// and the other does not. `what` starts the line and `detail` ends it.
bool ExpectSameValidity(const Verdicts& v, long printCap, const char* what, const std::string& detail) {
  if (SameValidity(v.old, v.own)) {
    return true;
  }
  if (CountMismatchAndShouldPrint(printCap)) {
    printf("%s old %d new %d%s\n", what, v.old, v.own, detail.c_str());
  }
  return false;
}

// ---- 1. Corpus files ----

void CheckCorpus(int fileCount, char** files) {
  for (int i = 0; i < fileCount; i++) {
    std::ifstream file(files[i], std::ios::binary);
    std::stringstream contents;
    contents << file.rdbuf();
    const std::string text = contents.str();
    if (!file || text.empty()) {
      // A file named on the command line must be there: an empty one would compare nothing.
      printf("%s MISMATCH: unreadable or empty\n", files[i]);
      mismatches++;
      continue;
    }
    const auto* in = reinterpret_cast<const uint8_t*>(text.data());
    const int oldVerdict = SimdjsonVerdict(in, text.size());
    const int newVerdict = OwnVerdict(in, text.size());
    uint32_t count = 0;
    const bool same = SameIndexes(in, text.size(), &count);
    printf("%s old %d new %d indexes %s (%u)\n", files[i], oldVerdict, newVerdict, same ? "same" : "DIFFERENT", count);
    if (!same || oldVerdict != newVerdict) {
      mismatches++;
    }
  }
}

// ---- 2. Random documents, mostly mutated ----

// Counts documents by the own path's verdict: valid, invalid, unsure.
void CheckRandomDocuments(long docs, long counts[3]) {
  // Bytes that matter to the grammar, the escapes and UTF-8.
  const char alphabet[] = "0123456789-+.eE\"\\,:[]{} \n\tu/bfnrtx\x01\x1f\xc3\xa9\x80";
  for (long d = 0; d < docs; d++) {
    // Drawn right to left (see above).
    const std::string trailing = Whitespace();
    const std::string value = RandomValue(0);
    const std::string leading = Whitespace();
    std::string doc = leading + value + trailing;
    // One document in four stays intact, so that many are valid.
    const int mutations = Rand(4) == 0 ? 0 : 1 + Rand(3);
    for (int m = 0; m < mutations && !doc.empty(); m++) {
      const size_t at = Rand(doc.size());
      const char ch = alphabet[Rand(sizeof alphabet - 1)];
      switch (Rand(3)) {
        case 0:
          doc[at] = ch;
          break;
        case 1:
          doc.insert(doc.begin() + at, ch);
          break;
        default:
          doc.erase(at, 1);
      }
    }
    Verdicts v;
    const uint8_t* in = Judge(doc, &v);
    if (!in) {
      continue;
    }
    counts[v.own]++;
    if (ExpectSameValidity(v, 20, "MISMATCH", ": [" + doc + "]") && v.old == kValid) {
      uint32_t count = 0;
      if (!SameIndexes(in, doc.size(), &count)) {
        if (CountMismatchAndShouldPrint(20)) {
          printf("INDEX MISMATCH: [%s]\n", doc.c_str());
        }
      }
    }
  }
}

// ---- 3. Escape stress ----

void CheckEscapes(long docs) {
  const char bytes[] = "\\\\\\\"uaF0xn/ ";
  long valid = 0;
  for (long d = 0; d < docs; d++) {
    // The leading spaces move the string to every offset within a block.
    std::string doc = "[" + std::string(Rand(70), ' ') + "\"";
    const size_t length = Rand(150);
    for (size_t i = 0; i < length; i++) {
      doc += bytes[Rand(sizeof bytes - 1)];
    }
    // Drawn right to left (see above).
    const std::string number = RandomNumber();
    const size_t spaces = Rand(3);
    doc += "\"" + std::string(spaces, ' ') + "," + number + "]";
    Verdicts v;
    Judge(doc, &v);  // always fits
    valid += v.old == kValid;
    ExpectSameValidity(v, 40, "ESC MISMATCH", ": [" + doc + "]");
  }
  printf("escape docs valid %ld\n", valid);
}

// ---- 4. UTF-8 across the 4 KB chunks ----
// The grammar stays valid, so both paths must agree exactly on the UTF-8 verdict.

// Inserts one broken sequence: right after an opening quote, or within a few bytes of a chunk boundary.
void BreakUtf8(std::string& doc) {
  static const char* const broken[] = {"\x80", "\xc3", "\xe2\x82", "\xf0\x9f\x98", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff"};
  if (Rand(2)) {
    const size_t at = doc.find('"', Rand(doc.size()));
    if (at != std::string::npos && at + 1 < doc.size()) {
      doc.insert(at + 1, broken[Rand(8)]);
    }
  } else {
    const size_t boundary = 4096 * (1 + Rand(doc.size() / 4096 + 1));
    const size_t at = boundary - 4 + Rand(8);
    // Not next to a quote or a backslash, which would change the grammar instead.
    if (at < doc.size() - 1 && doc[at] != '"' && doc[at - 1] != '\\' && doc[at] != '\\') {
      doc.insert(at, broken[Rand(8)]);
    }
  }
}

void CheckUtf8(long docs) {
  static const char* const pieces[] = {"a", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", " ", "\\n"};
  long placed = 0;
  long invalidUtf8 = 0;
  for (long d = 0; d < docs / 20; d++) {
    // An array of strings, 4 to 18 KB, so it spans several chunks.
    std::string doc = "[";
    const size_t target = 4000 + Rand(14000);
    while (doc.size() < target) {
      doc += doc.size() > 1 ? ",\"" : "\"";
      const size_t length = Rand(200);
      for (size_t i = 0; i < length; i++) {
        doc += pieces[Rand(6)];
      }
      doc += "\"";
    }
    doc += "]";
    if (Rand(2)) {
      BreakUtf8(doc);
    }
    Verdicts v;
    if (!Judge(doc, &v)) {
      continue;
    }
    placed++;
    invalidUtf8 += v.old == kUnsure;
    ExpectSameValidity(v, 40, "UTF8 MISMATCH", " size " + std::to_string(doc.size()));
  }
  printf("utf8 docs %ld, invalid utf8 %ld\n", placed, invalidUtf8);
}

// ---- 5. Numbers across the 64-byte blocks ----
// Arrays of numbers (plain, exponents, negative zeros, long ones) shifted by 0 to 63 bytes, with
// every single-byte defect in a window around the boundaries at 64 and 128 (replace, insert,
// delete), against the per-token checks.

std::string RandomNumberList() {
  std::string body;
  const size_t count = 3 + Rand(12);
  for (size_t i = 0; i < count; i++) {
    if (i) {
      body += Rand(4) ? "," : " , ";
    }
    body += Rand(6) ? RandomNumber() : (Rand(2) ? "-0" : "0.0");
  }
  return body;
}

void CheckNumbers(long docs) {
  const char defects[] = "0123456789-+.eE,] \"x";
  long checked = 0;
  long valid = 0;
  for (long d = 0; d < docs / 2000 + 1; d++) {
    const std::string body = RandomNumberList();
    for (size_t shift = 0; shift < 64; shift += 1 + Rand(3)) {
      const std::string base = "[" + std::string(shift, ' ') + body + "]";
      for (size_t at = 50; at < base.size() && at < 140; at++) {
        for (int op = 0; op < 3; op++) {
          std::string doc = base;
          // Drawn for every operation, deletion included, to keep the random sequence.
          const char ch = defects[Rand(sizeof defects - 1)];
          if (op == 0) {
            doc[at] = ch;
          } else if (op == 1) {
            doc.insert(doc.begin() + at, ch);
          } else {
            doc.erase(at, 1);
          }
          Verdicts v;
          if (!Judge(doc, &v)) {
            continue;
          }
          checked++;
          valid += v.old == kValid;
          ExpectSameValidity(v, 40, "NUMBER MISMATCH", ": [" + doc + "]");
        }
      }
    }
  }
  printf("number docs %ld, valid %ld\n", checked, valid);
}

}  // namespace

int main(int argc, char** argv) {
  const long docs = argc > 1 ? atol(argv[1]) : 200000;
  printf("stage 1: %s\n", IndexName());
  if (!IndexAvailable()) {
    return 2;
  }
  long counts[3] = {0, 0, 0};
  CheckCorpus(argc > 2 ? argc - 2 : 0, argv + 2);
  CheckRandomDocuments(docs, counts);
  CheckEscapes(docs);
  CheckUtf8(docs);
  CheckNumbers(docs);
  printf("%ld docs, valid %ld invalid %ld unsure %ld, mismatches %ld\n", docs, counts[kValid], counts[kInvalid], counts[kUnsure],
         mismatches);
  return mismatches != 0;
}
