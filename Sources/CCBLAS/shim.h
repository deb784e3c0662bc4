#include <cblas.h>
#include <malloc.h>

// Keeps freed buffers of up to 256 MB in the heap instead of returning them to the kernel, so the
// forward pass's per-layer buffers (a few hundred KB, above glibc's default mmap threshold) do not
// pay fresh page faults and zeroing on every chunk of windows.
static inline void ppgscope_keep_buffers_in_heap(void) {
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
}
