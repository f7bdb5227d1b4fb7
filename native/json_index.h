// The addon's own stage 1 for json.validate and json.get (native/json_index.cc): structural
// indexes like simdjson's stage 1, with every escape checked on the way.
#ifndef AFTERBURNER_JSON_INDEX_H_
#define AFTERBURNER_JSON_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace afterburner {
namespace jsonwalk {

// Stage 1 with escapes checked on the way (native/json_index.cc), for processors with AVX-512
// (VBMI2) or AVX2: kIndexValid when the document may be valid (the walk decides), kIndexInvalid
// when it certainly is not (an unclosed string, a control character or a bad escape in a string,
// no structural at all), kIndexUtf8 when it is not valid UTF-8 (or too long for 32-bit positions):
// ask the builtin. `indexes` is grown as needed and holds `*count` positions, then simdjson's
// three sentinels (len, len, 0), then scratch.
enum IndexVerdict { kIndexValid, kIndexInvalid, kIndexUtf8 };
IndexVerdict Index(const uint8_t* in, size_t len, std::vector<uint32_t>& indexes, uint32_t* count);

// Whether Index() runs on this processor, and which build: "avx512", "avx2" or "simdjson" (none),
// as cpu::Active() decided (AFTERBURNER_JSON_WIDE included).
bool IndexAvailable();
const char* IndexName();

}  // namespace jsonwalk
}  // namespace afterburner

#endif  // AFTERBURNER_JSON_INDEX_H_
