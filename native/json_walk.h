// The grammar walk behind json.validate and json.get (native/json_walk.cc): checks what stage 1
// leaves unchecked and, with a query, finds the value at a JSON Pointer in the same pass.
#ifndef AFTERBURNER_JSON_WALK_H_
#define AFTERBURNER_JSON_WALK_H_

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
// `prechecked`: the indexes come from Index() (json_index.h), which has already checked every
// escape, so the walk does not look inside strings. After idx[n - 1] come simdjson's sentinels, idx[n] and
// idx[n + 1] equal to len: an invalid document can make the walk read them.
bool Walk(const uint8_t* in, size_t len, const uint32_t* idx, uint32_t n, std::vector<uint8_t>& stack, Query* query,
          bool prechecked = false);

}  // namespace jsonwalk
}  // namespace afterburner

#endif  // AFTERBURNER_JSON_WALK_H_
