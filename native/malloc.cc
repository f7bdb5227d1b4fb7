// glibc allocator controls (filled in by the gc patch work).
#include "addon.h"

namespace afterburner {
void InitMalloc(Napi::Env env, Napi::Object exports) {
  (void)env;
  (void)exports;
}
}  // namespace afterburner
