#ifndef PPGSCOPE_BLAS_H
#define PPGSCOPE_BLAS_H

// A CBLAS loaded at run time (dlopen), not linked: OpenBLAS picks its kernels for the CPU when it
// loads and reads OPENBLAS_CORETYPE only then, so ppgscope chooses the core type first
// (PPGCompute's ComputeRuntime) and loads the library after. Row-major only; the enum values are
// those of every cblas.h.

#ifdef __cplusplus
extern "C" {
#endif

/// Loads the first of `paths` that opens and exports the CBLAS functions below. Returns 1 on
/// success (or when already loaded), 0 otherwise with a message in `error`.
int ppgscope_blas_load(const char *const *paths, int count, char *error, int errorCapacity);

/// The file loaded, or NULL.
const char *ppgscope_blas_path(void);
/// OpenBLAS's chosen core ("SkylakeX", "Haswell", "Prescott", ...) and build configuration; NULL
/// for a CBLAS that is not OpenBLAS.
const char *ppgscope_blas_corename(void);
const char *ppgscope_blas_config(void);
/// 1 when the library is OpenBLAS's pthread build (it has a thread pool), else 0.
int ppgscope_blas_has_thread_pool(void);
/// Runs BLAS on the calling thread only and stops a pthread OpenBLAS's idle pool.
void ppgscope_blas_single_threaded(void);

/// The OpenBLAS core type to force on this CPU: "SkylakeX" with AVX-512F and AVX-512BW, "Haswell"
/// with AVX2, else NULL (OpenBLAS 0.3.21 falls back to Prescott kernels on x86 CPUs it does not
/// know, about 3.5× slower).
const char *ppgscope_cpu_openblas_coretype(void);

/// Keeps freed buffers of up to 256 MB in the heap instead of returning them to the kernel
/// (glibc mallopt), so per-layer buffers of a few hundred KB do not pay fresh page faults.
void ppgscope_keep_buffers_in_heap(void);

#define PPGSCOPE_BLAS_NO_TRANS 111
#define PPGSCOPE_BLAS_TRANS 112

/// C = alpha·op(A)·op(B) + beta·C, row-major (cblas_sgemm).
void ppgscope_sgemm(int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda,
                    const float *b, int ldb, float beta, float *c, int ldc);
/// y = alpha·op(A)·x + beta·y, row-major (cblas_sgemv).
void ppgscope_sgemv(int trans, int m, int n, float alpha, const float *a, int lda, const float *x, int incx,
                    float beta, float *y, int incy);
/// B = alpha·op(A), row-major (OpenBLAS's cblas_somatcopy; a plain loop where the library lacks it).
void ppgscope_somatcopy(int trans, int rows, int cols, float alpha, const float *a, int lda, float *b, int ldb);
/// Upper triangle of C = alpha·op(A)ᵀ·op(A) + beta·C (cblas_dsyrk, row-major, upper).
void ppgscope_dsyrk_upper(int trans, int n, int k, double alpha, const double *a, int lda, double beta, double *c, int ldc);
/// y = alpha·op(A)·x + beta·y in double precision (cblas_dgemv, row-major).
void ppgscope_dgemv(int trans, int m, int n, double alpha, const double *a, int lda, const double *x, int incx,
                    double beta, double *y, int incy);

#ifdef __cplusplus
}
#endif

#endif
