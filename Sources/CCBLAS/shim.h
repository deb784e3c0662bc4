#include <cblas.h>
#include <dlfcn.h>
#include <malloc.h>

// Keeps freed buffers of up to 256 MB in the heap instead of returning them to the kernel, so the
// forward pass's per-layer buffers (a few hundred KB, above glibc's default mmap threshold) do not
// pay fresh page faults and zeroing on every chunk of windows.
static inline void ppgscope_keep_buffers_in_heap(void) {
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
}

// The pthread build of OpenBLAS starts its thread pool when the library loads; the idle threads
// spin (sched_yield) for a while and compete with ppgscope's own workers. ppgscope runs BLAS
// single-threaded, so the pool is stopped once at start. The serial build (which the binary
// prefers, see Package.swift) has no pool and no such function, so it is looked up at run time.
static inline int (*ppgscope_blas_thread_shutdown(void))(void) {
    return (int (*)(void))dlsym(RTLD_DEFAULT, "blas_thread_shutdown_");
}

static inline void ppgscope_single_threaded_blas(void) {
    openblas_set_num_threads(1);
    int (*shutdown)(void) = ppgscope_blas_thread_shutdown();
    if (shutdown) shutdown();
}

// "serial" or "pthread": which OpenBLAS build the process loaded (for `ppgscope bench`).
static inline const char *ppgscope_openblas_build(void) {
    return ppgscope_blas_thread_shutdown() ? "pthread" : "serial";
}
