// Standalone checks of the grammar walk (native/json_walk.cc) that JavaScript tests cannot
// make. Not part of the addon (binding.gyp does not list it). Build and run from the package
// root (x86-64 Linux or macOS; g++ or clang++):
//
//   S=$(dirname $(node -p "require.resolve('@nozbe/simdjson/package.json')"))/src
//   for v in A B; do for u in json_walk cpu; do c++ -O2 -std=c++17 -I$S -Inative -Dafterburner=ab$v \
//     $([ $v = B ] && echo -DAB_WALK_NO_RUNS) -c native/$u.cc -o /tmp/$u$v.o; done; done
//   c++ -O2 -std=c++17 -I$S test/native/json_walk_check.cc /tmp/json_walk[AB].o /tmp/cpu[AB].o $S/simdjson.cpp \
//     -o /tmp/walk-check
//   /tmp/walk-check [seed] [documents]
//
// 1. No read past the input: every document (and every prefix of it) is placed so that its
//    last byte is the last byte before a PROT_NONE page; a read past it crashes.
// 2. The 64-byte block check of number arrays (A) against the per-token check (B) on random
//    arrays of numbers (and of short arrays of numbers) with random defects: the same verdict
//    on every document.
// 3. The same on long runs (several blocks) shifted by 0 to 63 bytes against the block grid,
//    with every single-byte defect (replace, insert, delete) at every position, so each rule is
//    hit on both sides of a block boundary, runs start and stop mid-block, and documents end
//    exactly at a block boundary.
#include "simdjson.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace abA {
namespace jsonwalk {
struct Query;
bool Walk(const uint8_t*, size_t, const uint32_t*, uint32_t, std::vector<uint8_t>&, Query*, bool);
}  // namespace jsonwalk
}  // namespace abA
namespace abB {
namespace jsonwalk {
struct Query;
bool Walk(const uint8_t*, size_t, const uint32_t*, uint32_t, std::vector<uint8_t>&, Query*, bool);
}  // namespace jsonwalk
}  // namespace abB

namespace {

simdjson::dom::parser parser;
std::vector<uint8_t> stack;

// -1: stage 1 rejected it; else the walk's verdict (A and B must agree, or the program exits).
int Verdict(const uint8_t* in, size_t len, const std::string& shown) {
  if (parser.implementation->stage1(in, len, simdjson::stage1_mode::regular)) return -1;
  const uint32_t* idx = parser.implementation->structural_indexes.get();
  const uint32_t n = parser.implementation->n_structural_indexes;
  const bool a = abA::jsonwalk::Walk(in, len, idx, n, stack, nullptr, false);
  const bool b = abB::jsonwalk::Walk(in, len, idx, n, stack, nullptr, false);
  if (a != b) {
    std::printf("DIFFERENT: windows %d, per token %d: %s\n", a, b, shown.c_str());
    std::exit(1);
  }
  return a;
}

void GuardPages() {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  uint8_t* mem = static_cast<uint8_t*>(mmap(nullptr, page * 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (mem == MAP_FAILED || mprotect(mem + page * 3, page, PROT_NONE)) {
    std::perror("mmap");
    std::exit(2);
  }
  const char* tokens[] = {"0", "-0", "1", "12", "1.5", "1e5", "-1.5e-7", "true", "false", "null", "\"\"", "\"a\\u00e9\"", "\"\\\\\"",
                          "123456789012345678901234567890123", "1.", "-", "tru", "\"\\u12\"", "01", "1e", "\"x\\\""};
  std::vector<std::string> docs;
  for (const char* t : tokens) {
    const std::string s = t;
    for (const std::string& d : {s, "[" + s + "]", "{\"k\":" + s + "}", "[1," + s + "]", " " + s, s + " ", "[" + s + " ]",
                                 "[1,2,3," + s + "]", "[" + s + ",1,2,3]"}) {
      docs.push_back(d);
    }
  }
  // Runs that reach the very end of the input, whatever its length around one or two blocks.
  for (const char* sep : {",", ", ", ",\n", "\t,\r\n"}) {
    std::string d = "[";
    for (int i = 0; d.size() < 200; i++) d += (i ? std::string(sep) : "") + std::to_string(i * 37 % 1000) + (i % 3 ? ".5" : "");
    docs.push_back(d + "]");
    docs.push_back("{\"a\":" + d + "]}");
  }
  std::string big = "[";
  for (int i = 0; i < 200; i++) big += "-1.5e-7,\"s\\n\",true,0.25,1,2,";
  docs.push_back(big + "0]");
  size_t prefixes = 0;
  for (const std::string& d : docs) {
    for (size_t len = 1; len <= d.size(); len++) {
      uint8_t* in = mem + page * 3 - len;
      std::memcpy(in, d.data(), len);
      Verdict(in, len, d.substr(0, len));
      prefixes++;
    }
  }
  std::printf("guard pages: %zu documents, %zu prefixes, no read past the end\n", docs.size(), prefixes);
}

void NumberArrays(uint64_t seed, int count) {
  std::mt19937_64 rng(seed);
  auto r = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  const char* tokens[] = {"0", "-0", "1", "-1", "12", "0.5", "-0.25", "10.125", "123456789", "0.000001", "-65.613616999999977",
                          "0.270354", "1e5", "1.5E-3", "-2e+7"};
  const char* seps[] = {",", ", ", ",\n  ", " ,", "\n,\n", ",\t", "\r\n,", ",\n                "};
  const char* alphabet = "0123456789-+.eE, \n\t\r]\"x[";
  long valid = 0, checked = 0;
  for (int i = 0; i < count; i++) {
    std::string d = r(4) == 0 ? "{\"a\":[" : "[";
    const int elements = 1 + r(i % 10 == 0 ? 300 : 40);
    for (int k = 0; k < elements; k++) {
      if (k) d += seps[r(3) == 0 ? r(8) : 0];
      const int kind = r(20);
      if (kind == 0) {
        d += "\"s\"";
      } else if (kind == 1) {
        // Short arrays, often several in a row (they are checked one after another in a loop).
        for (int j = r(4) ? 1 : 2 + r(6); j > 0; j--) {
          d += "[";
          for (int e = 1 + r(5); e > 0; e--) d += std::string(tokens[r(r(3) ? 12 : 15)]) + (e > 1 ? "," : "");
          d += j > 1 ? "]," : "]";
        }
      } else if (kind == 2) {
        d += "true";
      } else if (kind == 3) {
        for (int j = 1 + r(40); j > 0; j--) d += "0123456789"[r(10)];
      } else {
        d += tokens[r(r(3) ? 12 : 15)];
      }
    }
    d += d[0] == '{' ? "]}" : "]";
    for (int e = r(3); e > 0; e--) {
      const size_t at = static_cast<size_t>(r(static_cast<int>(d.size())));
      const char c = alphabet[r(static_cast<int>(std::strlen(alphabet)))];
      const int op = r(3);
      if (op == 0) d[at] = c;
      else if (op == 1) d.insert(d.begin() + static_cast<long>(at), c);
      else d.erase(d.begin() + static_cast<long>(at));
    }
    const int v = Verdict(reinterpret_cast<const uint8_t*>(d.data()), d.size(), d);
    if (v >= 0) {
      checked++;
      valid += v;
    }
  }
  std::printf("number arrays: %ld documents past stage 1, %ld valid, windows and per token agree\n", checked, valid);
}

// Every single-byte defect at every position of long runs, shifted against the block grid.
void Boundaries() {
  const char* bodies[][2] = {{"7", ","}, {"-0.25", ", "}, {"123", ",\n        "}, {"0.5", " ,"}, {"-65.613616999999977", ","}, {"10", "\r\n,\t"}};
  const char* alphabet = "0123456789-.e, \n\t]\"x";
  long docs = 0, valid = 0;
  for (auto& body : bodies) {
    for (int shift = 0; shift < 64; shift += (shift < 4 || shift > 59) ? 1 : 7) {
      for (int count : {6, 40}) {
        std::string run;
        for (int i = 0; i < count; i++) run += (i ? std::string(body[1]) : "") + (i % 5 == 4 ? "0" : body[0]);
        const std::string head = "{\"" + std::string(static_cast<size_t>(shift), 'k') + "\":[";
        const std::string doc = head + run + "]}";
        for (size_t at = head.size(); at < doc.size() - 1; at++) {
          for (const char* c = alphabet; *c; c++) {
            for (int op = 0; op < 3; op++) {
              std::string d = doc;
              if (op == 0) d[at] = *c;
              else if (op == 1) d.insert(d.begin() + static_cast<long>(at), *c);
              else if (c == alphabet) d.erase(d.begin() + static_cast<long>(at));
              else continue;
              // And the same document cut right after the array, so it may end at a block boundary.
              for (int cut = 0; cut < 2; cut++) {
                std::string e = cut ? d.substr(head.size() - 1, d.size() - head.size()) : d;
                const int v = Verdict(reinterpret_cast<const uint8_t*>(e.data()), e.size(), e);
                docs++;
                valid += v > 0;
              }
            }
          }
        }
      }
    }
  }
  std::printf("block boundaries: %ld documents, %ld valid, windows and per token agree\n", docs, valid);
}

}  // namespace

int main(int argc, char** argv) {
  if (parser.allocate(1 << 20, 1000)) return 2;
  GuardPages();
  Boundaries();
  NumberArrays(argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1, argc > 2 ? std::atoi(argv[2]) : 300000);
  return 0;
}
