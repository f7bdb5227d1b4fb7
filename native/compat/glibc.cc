// Linked into the prebuilt binaries only (scripts/prebuild.js), never into a local build.
//
// The prebuilt addon must load on every glibc that Node's own binaries support (2.28 and later on
// x64 and arm64), but it is built on a newer one, with libstdc++ linked statically. Each function
// below stands in for a symbol that the build machine's libc.so.6 only offers at a newer symbol
// version than GLIBC_2.28; it is defined here with hidden visibility, so the static libstdc++ and
// the addon's own objects bind to it at link time and the binary never asks the dynamic loader for
// that version. test/06-prebuilt-symbols.test.js reads the binaries and fails on any version above
// the baseline, so a new such symbol shows up there, not on a user's RHEL 8.
#include <cstddef>  // defines __GLIBC__ (through features.h) when the C library is glibc

#if defined(__linux__) && defined(__GLIBC__)

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

#if defined(__x86_64__)
#define AB_GLIBC_BASE "GLIBC_2.2.5"
#elif defined(__aarch64__)
#define AB_GLIBC_BASE "GLIBC_2.17"
#else
#error "glibc compat shim: no baseline symbol version for this architecture"
#endif

#define AB_HIDDEN __attribute__((visibility("hidden")))

// The oldest version of each of these is still exported by every glibc (since 2.34 as a
// compatibility symbol of libc.so.6, before that from libdl.so.2 / libpthread.so.0, which the
// binary names as NEEDED for that reason).
extern "C" void* ab_dlsym_base(void* handle, const char* name);
extern "C" int ab_pthread_once_base(pthread_once_t* once, void (*init)(void));
extern "C" int ab_pthread_key_create_base(pthread_key_t* key, void (*destructor)(void*));
__asm__(".symver ab_dlsym_base,dlsym@" AB_GLIBC_BASE);
__asm__(".symver ab_pthread_once_base,pthread_once@" AB_GLIBC_BASE);
__asm__(".symver ab_pthread_key_create_base,pthread_key_create@" AB_GLIBC_BASE);

extern "C" {

// GLIBC_2.34 (libdl merged into libc).
AB_HIDDEN void* dlsym(void* handle, const char* name) noexcept { return ab_dlsym_base(handle, name); }

// GLIBC_2.34 (libpthread merged into libc); used by libstdc++'s std::call_once and locale setup.
AB_HIDDEN int pthread_once(pthread_once_t* once, void (*init)(void)) noexcept { return ab_pthread_once_base(once, init); }

// libstdc++ takes a non-null address of this weak symbol to mean "threads are in use".
AB_HIDDEN int __pthread_key_create(pthread_key_t* key, void (*destructor)(void*)) noexcept {
  return ab_pthread_key_create_base(key, destructor);
}

// GLIBC_2.32. libstdc++ skips atomic reference counting when it reads non-zero; zero is always
// correct (a Node process has threads anyway).
AB_HIDDEN char __libc_single_threaded = 0;

// GLIBC_2.33 (before it, fstat64 was an inline wrapper around __fxstat64); used by libstdc++'s
// file buffers. The kernel's fstat fills the same struct stat64 layout on x64 and arm64.
AB_HIDDEN int fstat64(int fd, struct stat64* st) noexcept { return static_cast<int>(syscall(SYS_fstat, fd, st)); }

// GLIBC_2.36; used by std::random_device. getrandom is GLIBC_2.25.
AB_HIDDEN uint32_t arc4random(void) noexcept {
  uint32_t value = 0;
  uint8_t* p = reinterpret_cast<uint8_t*>(&value);
  size_t got = 0;
  while (got < sizeof value) {
    ssize_t n = getrandom(p + got, sizeof value - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
    else if (n < 0 && errno != EINTR) break;  // only on kernels older than 3.17, which Node does not support
  }
  return value;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
// GLIBC_2.33; the gc patch's malloc statistics (native/malloc.cc). Older glibc only has
// mallinfo(), whose int fields wrap above 2 GiB: used only where mallinfo2 does not exist.
AB_HIDDEN struct mallinfo2 mallinfo2(void) noexcept {
  using Fn = struct mallinfo2 (*)(void);
  static Fn real = reinterpret_cast<Fn>(ab_dlsym_base(RTLD_DEFAULT, "mallinfo2"));
  if (real != nullptr) return real();
  struct mallinfo m = mallinfo();
  struct mallinfo2 out = {};
  out.arena = static_cast<unsigned int>(m.arena);
  out.ordblks = static_cast<unsigned int>(m.ordblks);
  out.smblks = static_cast<unsigned int>(m.smblks);
  out.hblks = static_cast<unsigned int>(m.hblks);
  out.hblkhd = static_cast<unsigned int>(m.hblkhd);
  out.usmblks = static_cast<unsigned int>(m.usmblks);
  out.fsmblks = static_cast<unsigned int>(m.fsmblks);
  out.uordblks = static_cast<unsigned int>(m.uordblks);
  out.fordblks = static_cast<unsigned int>(m.fordblks);
  out.keepcost = static_cast<unsigned int>(m.keepcost);
  return out;
}
#pragma GCC diagnostic pop

}  // extern "C"

#endif
