// The grammar walk behind json.validate and json.get (native/json_validate.cc).
#ifndef AFTERBURNER_JSON_VALIDATE_H_
#define AFTERBURNER_JSON_VALIDATE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace afterburner {
namespace jsonwalk {

// A JSON Pointer to follow during the walk. `tokens` are the already-unescaped reference tokens
// as UTF-8. After a walk that returned true, `found` is the structural index of the value the
// builtin's result holds at the pointer (duplicate keys: the last one wins), or -1 when absent.
struct Query {
  const std::string* tokens = nullptr;
  size_t count = 0;
  int64_t found = -1;
  // Scratch kept between calls (no per-call allocation once warm).
  std::vector<uint64_t> indexes;  // per token: its canonical array index, or ~0 when it is none
  std::vector<uint64_t> counts;   // per path level: elements seen in the array on the path
  std::string key;                // an escaped key, unescaped
  std::vector<uint8_t> path;      // the open containers on the path
};

// Whether `in[0, len)` is one JSON text, given simdjson's stage 1 output for it (`idx[0, n)`,
// which stage 1 accepted: UTF-8, string extents, no unescaped control characters). Checks what
// stage 1 does not: the grammar, numbers, literals and escapes. Reads no byte outside
// `in[0, len)` (the input need not be padded) and never trusts the bytes to stay what stage 1
// saw, so a buffer another thread writes to gives a wrong answer at worst, never a bad read.
// `stack` is scratch. With a query, also finds the value at the pointer in the same pass.
// `prechecked`: the indexes come from Index() below, which has already checked every escape, so
// the walk does not look inside strings. After idx[n - 1] come simdjson's sentinels, idx[n] and
// idx[n + 1] equal to len: an invalid document can make the walk read them.
bool Walk(const uint8_t* in, size_t len, const uint32_t* idx, uint32_t n, std::vector<uint8_t>& stack, Query* query,
          bool prechecked = false);

// Stage 1 with escapes checked on the way (native/json_index.cc), for processors with AVX-512
// (VBMI2) or AVX2: kIndexValid when the document may be valid (the walk decides), kIndexInvalid
// when it certainly is not (an unclosed string, a control character or a bad escape in a string,
// no structural at all), kIndexUtf8 when it is not valid UTF-8 (or too long for 32-bit positions):
// ask the builtin. `indexes` is grown as needed and holds `*count` positions, then simdjson's
// three sentinels (len, len, 0), then scratch.
enum IndexVerdict { kIndexValid, kIndexInvalid, kIndexUtf8 };
IndexVerdict Index(const uint8_t* in, size_t len, std::vector<uint32_t>& indexes, uint32_t* count);

// Whether Index() runs on this processor, and which build: "avx512", "avx2" or "simdjson" (none).
// AFTERBURNER_JSON_WIDE at load time: "0" none (simdjson's stage 1 and the walk's own escape
// checks), "avx2" the AVX2 build on an AVX-512 machine; the tests use both.
bool IndexAvailable();
const char* IndexName();

}  // namespace jsonwalk
}  // namespace afterburner

#endif  // AFTERBURNER_JSON_VALIDATE_H_
