// The processor dispatch: which of the addon's own SIMD builds runs here, decided once per
// process. Every kernel choice (json_index.cc's stage 1, json_walk.cc's number blocks and its
// AVX-512 walk) reads this one answer, so no kernel can be picked with a feature list that
// another kernel's check did not cover. buildInfo().cpu reports it.
#pragma once

namespace afterburner {
namespace cpu {

// kAvx2: AVX2 with PCLMUL, POPCNT, BMI1 and BMI2 (what every AVX2 kernel is compiled for).
// kAvx512: kAvx2 plus AVX-512 F, BW, VL and VBMI2 (what every AVX-512 kernel is compiled for).
// kScalar: anything else, every non-x86 build, and AFTERBURNER_JSON_WIDE=0.
enum class Level { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

// The processor's level, lowered by AFTERBURNER_JSON_WIDE read at the first call: "0" kScalar
// (simdjson's own stage 1 and per-token checks only), "avx2" at most kAvx2 (so the tests can run
// the AVX2 kernels on an AVX-512 machine). Safe to call from static initializers.
Level Active();

// "scalar", "avx2" or "avx512".
const char* Name(Level level);

}  // namespace cpu
}  // namespace afterburner
