// The processor dispatch (cpu.h). The kernels' target attributes and the feature lists here must
// name the same instructions: test 03 disassembles the addon and fails if VEX/EVEX code turns up
// outside the functions this choice guards.
#include "cpu.h"

#include <cstdlib>
#include <cstring>

namespace afterburner {
namespace cpu {
namespace {

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
Level Detect() {
  __builtin_cpu_init();  // this may run as a static initializer, before libgcc's own
  const bool base = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("bmi") &&
                    __builtin_cpu_supports("bmi2");
  if (!base || !__builtin_cpu_supports("avx2")) return Level::kScalar;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512vbmi2")) {
    return Level::kAvx512;
  }
  return Level::kAvx2;
}
#else
Level Detect() { return Level::kScalar; }
#endif

Level Choose() {
  const char* wide = std::getenv("AFTERBURNER_JSON_WIDE");
  if (wide && std::strcmp(wide, "0") == 0) return Level::kScalar;
  const Level found = Detect();
  if (wide && std::strcmp(wide, "avx2") == 0 && found == Level::kAvx512) return Level::kAvx2;
  return found;
}

}  // namespace

Level Active() {
  // A function-local static: kernels ask from their own files' static initializers, whose order
  // against this file's is unspecified.
  static const Level level = Choose();
  return level;
}

const char* Name(Level level) {
  switch (level) {
    case Level::kAvx512:
      return "avx512";
    case Level::kAvx2:
      return "avx2";
    default:
      return "scalar";
  }
}

}  // namespace cpu
}  // namespace afterburner
