// Linked only into the portable Linux glibc prebuilds (scripts/build-native.js --prebuild), so
// that a binary built with a recent glibc loads on old ones: every glibc symbol it imports has
// a version of glibc 2.17 or older (Node 20 itself needs 2.28).
//
// The prebuild links libstdc++ statically (no GLIBCXX_* requirement on the user's system) and
// passes --wrap=F for each function F below, so that every call to F, ours and libstdc++'s,
// reaches __wrap_F, which calls F's oldest version (the .symver directives bind the
// gaussmix_glibc_F names to F@<base version>). Newer glibc still exports those versions for
// old binaries: pthread_create, pthread_detach, dlopen and dladdr moved into libc.so.6 in 2.34
// (older glibc resolves them in libpthread.so.0 and libdl.so.2, which the prebuild lists as
// needed); exp, log and pow got new versions in 2.29 that only drop the errno wrapper (same values);
// lgamma got one in 2.23 that only changes which `signgam` it sets (same values; we never read it).
#if defined(__linux__)
#include <features.h>  // defines __GLIBC__ on glibc (not on musl)
#endif
#if defined(__GLIBC__)

#include <dlfcn.h>
#include <pthread.h>

#if defined(__x86_64__)
#define GAUSSMIX_GLIBC_BASE "GLIBC_2.2.5"
#elif defined(__aarch64__)
#define GAUSSMIX_GLIBC_BASE "GLIBC_2.17"
#else
#error "glibc_compat.cc: no base glibc version known for this architecture"
#endif

#define GAUSSMIX_OLDEST(name) __asm__(".symver gaussmix_glibc_" #name ", " #name "@" GAUSSMIX_GLIBC_BASE)
#define GAUSSMIX_HIDDEN __attribute__((visibility("hidden")))

extern "C" {

// glibc 2.32's flag by which code inlined from libstdc++'s headers skips atomic reference
// counts while a process has one thread. This copy, private to the addon, always says "more
// than one": the atomic operations are always right.
GAUSSMIX_HIDDEN char __libc_single_threaded = 0;

int gaussmix_glibc_pthread_create(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
int gaussmix_glibc_pthread_detach(pthread_t);
void* gaussmix_glibc_dlopen(const char*, int);
int gaussmix_glibc_dladdr(const void*, Dl_info*);
double gaussmix_glibc_exp(double);
double gaussmix_glibc_log(double);
double gaussmix_glibc_lgamma(double);
double gaussmix_glibc_pow(double, double);
GAUSSMIX_OLDEST(pthread_create);
GAUSSMIX_OLDEST(pthread_detach);
GAUSSMIX_OLDEST(dlopen);
GAUSSMIX_OLDEST(dladdr);
GAUSSMIX_OLDEST(exp);
GAUSSMIX_OLDEST(log);
GAUSSMIX_OLDEST(lgamma);
GAUSSMIX_OLDEST(pow);

GAUSSMIX_HIDDEN int __wrap_pthread_create(pthread_t* thread, const pthread_attr_t* attr,
                                          void* (*start)(void*), void* arg) {
  return gaussmix_glibc_pthread_create(thread, attr, start, arg);
}
GAUSSMIX_HIDDEN int __wrap_pthread_detach(pthread_t thread) {
  return gaussmix_glibc_pthread_detach(thread);
}
GAUSSMIX_HIDDEN void* __wrap_dlopen(const char* file, int mode) {
  return gaussmix_glibc_dlopen(file, mode);
}
GAUSSMIX_HIDDEN int __wrap_dladdr(const void* address, Dl_info* info) {
  return gaussmix_glibc_dladdr(address, info);
}
GAUSSMIX_HIDDEN double __wrap_exp(double x) { return gaussmix_glibc_exp(x); }
GAUSSMIX_HIDDEN double __wrap_log(double x) { return gaussmix_glibc_log(x); }
GAUSSMIX_HIDDEN double __wrap_lgamma(double x) { return gaussmix_glibc_lgamma(x); }
GAUSSMIX_HIDDEN double __wrap_pow(double x, double y) { return gaussmix_glibc_pow(x, y); }

}  // extern "C"

#endif
