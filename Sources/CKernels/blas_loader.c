// CBLAS through dlopen: see include/ppgscope_blas.h.
#define _GNU_SOURCE
#include "ppgscope_blas.h"

#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

enum { ROW_MAJOR = 101, UPPER = 121 };

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
typedef void (*sgemv_fn)(int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
typedef void (*somatcopy_fn)(int, int, int, int, float, const float *, int, float *, int);
typedef void (*dsyrk_fn)(int, int, int, int, int, double, const double *, int, double, double *, int);
typedef void (*dgemv_fn)(int, int, int, int, double, const double *, int, const double *, int, double, double *, int);

static struct {
    void *handle;
    const char *path;
    sgemm_fn sgemm;
    sgemv_fn sgemv;
    somatcopy_fn somatcopy;
    dsyrk_fn dsyrk;
    dgemv_fn dgemv;
    char *(*corename)(void);
    char *(*config)(void);
    void (*set_num_threads)(int);
    int (*thread_shutdown)(void);
} blas;

int ppgscope_blas_load(const char *const *paths, int count, char *error, int errorCapacity) {
    if (blas.handle) return 1;
    if (errorCapacity > 0) error[0] = 0;
    for (int i = 0; i < count; i++) {
        void *h = dlopen(paths[i], RTLD_NOW | RTLD_LOCAL);
        if (!h) continue;
        sgemm_fn sgemm = (sgemm_fn)dlsym(h, "cblas_sgemm");
        sgemv_fn sgemv = (sgemv_fn)dlsym(h, "cblas_sgemv");
        dsyrk_fn dsyrk = (dsyrk_fn)dlsym(h, "cblas_dsyrk");
        dgemv_fn dgemv = (dgemv_fn)dlsym(h, "cblas_dgemv");
        if (!sgemm || !sgemv || !dsyrk || !dgemv) {
            if (errorCapacity > 0) snprintf(error, (size_t)errorCapacity, "%s has no CBLAS functions", paths[i]);
            dlclose(h);
            continue;
        }
        blas.sgemm = sgemm;
        blas.sgemv = sgemv;
        blas.dsyrk = dsyrk;
        blas.dgemv = dgemv;
        blas.somatcopy = (somatcopy_fn)dlsym(h, "cblas_somatcopy");
        blas.corename = (char *(*)(void))dlsym(h, "openblas_get_corename");
        blas.config = (char *(*)(void))dlsym(h, "openblas_get_config");
        blas.set_num_threads = (void (*)(int))dlsym(h, "openblas_set_num_threads");
        blas.thread_shutdown = (int (*)(void))dlsym(h, "blas_thread_shutdown_");
        blas.path = strdup(paths[i]);  // the caller's strings need not outlive the call
        __atomic_store_n(&blas.handle, h, __ATOMIC_RELEASE);
        return 1;
    }
    if (errorCapacity > 0 && !error[0]) snprintf(error, (size_t)errorCapacity, "no CBLAS library could be loaded: %s", dlerror());
    return 0;
}

const char *ppgscope_blas_path(void) { return blas.path; }
const char *ppgscope_blas_corename(void) { return blas.corename ? blas.corename() : NULL; }
const char *ppgscope_blas_config(void) { return blas.config ? blas.config() : NULL; }
int ppgscope_blas_has_thread_pool(void) { return blas.thread_shutdown != NULL; }

void ppgscope_blas_single_threaded(void) {
    if (blas.set_num_threads) blas.set_num_threads(1);
    if (blas.thread_shutdown) blas.thread_shutdown();
}

const char *ppgscope_cpu_openblas_coretype(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")) return "SkylakeX";
    if (__builtin_cpu_supports("avx2")) return "Haswell";
#endif
    return NULL;
}

void ppgscope_keep_buffers_in_heap(void) {
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
}

void ppgscope_sgemm(int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda,
                    const float *b, int ldb, float beta, float *c, int ldc) {
    blas.sgemm(ROW_MAJOR, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void ppgscope_sgemv(int trans, int m, int n, float alpha, const float *a, int lda, const float *x, int incx,
                    float beta, float *y, int incy) {
    blas.sgemv(ROW_MAJOR, trans, m, n, alpha, a, lda, x, incx, beta, y, incy);
}

void ppgscope_somatcopy(int trans, int rows, int cols, float alpha, const float *a, int lda, float *b, int ldb) {
    if (blas.somatcopy) {
        blas.somatcopy(ROW_MAJOR, trans, rows, cols, alpha, a, lda, b, ldb);
        return;
    }
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            if (trans == PPGSCOPE_BLAS_TRANS) b[c * ldb + r] = alpha * a[r * lda + c];
            else b[r * ldb + c] = alpha * a[r * lda + c];
        }
}

void ppgscope_dsyrk_upper(int trans, int n, int k, double alpha, const double *a, int lda, double beta, double *c, int ldc) {
    blas.dsyrk(ROW_MAJOR, UPPER, trans, n, k, alpha, a, lda, beta, c, ldc);
}

void ppgscope_dgemv(int trans, int m, int n, double alpha, const double *a, int lda, const double *x, int incx,
                    double beta, double *y, int incy) {
    blas.dgemv(ROW_MAJOR, trans, m, n, alpha, a, lda, x, incx, beta, y, incy);
}
