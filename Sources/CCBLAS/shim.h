#include <cblas.h>
#include <malloc.h>

// Keeps freed buffers of up to 256 MB in the heap instead of returning them to the kernel, so the
// forward pass's per-layer buffers (a few hundred KB, above glibc's default mmap threshold) do not
// pay fresh page faults and zeroing on every chunk of windows.
static inline void ppgscope_keep_buffers_in_heap(void) {
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
}

// OpenBLAS starts its thread pool when the library loads; the idle threads spin (sched_yield) for a
// while and compete with ppgscope's own workers. ppgscope runs BLAS single-threaded, so the pool is
// stopped once at start (exported by OpenBLAS, not declared in cblas.h).
int blas_thread_shutdown_(void);
static inline void ppgscope_single_threaded_blas(void) {
    openblas_set_num_threads(1);
    blas_thread_shutdown_();
}
