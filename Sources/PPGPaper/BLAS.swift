import CCBLAS

/// The only place PPGPaper calls BLAS. Row-major single precision.
enum BLAS {
    /// OpenBLAS single-threaded: the experiments parallelise over repetitions themselves.
    static let singleThreaded: Void = { ppgscope_single_threaded_blas() }()

    /// C[m×n] = alpha · op(A) · op(B) + beta · C, row-major; op(A) is m×k, op(B) is k×n.
    @inline(__always)
    static func gemm(transposeA: Bool = false, transposeB: Bool = false, _ m: Int, _ n: Int, _ k: Int,
                     _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                     beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, alpha: Float = 1) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// y[n] = alpha · Aᵀ x + beta · y with A row-major m×n (lda), x strided by incx.
    @inline(__always)
    static func gemvTransposed(_ m: Int, _ n: Int, _ a: UnsafePointer<Float>, _ lda: Int,
                               _ x: UnsafePointer<Float>, _ incx: Int, beta: Float, _ y: UnsafeMutablePointer<Float>,
                               alpha: Float = 1) {
        cblas_sgemv(CblasRowMajor, CblasTrans, Int32(m), Int32(n), alpha, a, Int32(lda), x, Int32(incx), beta, y, 1)
    }

    /// dst[n×m] (ldb) = src[m×n]ᵀ (lda), row-major (OpenBLAS' out-of-place transpose).
    @inline(__always)
    static func transpose(_ m: Int, _ n: Int, _ src: UnsafePointer<Float>, _ lda: Int, _ dst: UnsafeMutablePointer<Float>, _ ldb: Int) {
        cblas_somatcopy(CblasRowMajor, CblasTrans, Int32(m), Int32(n), 1, src, Int32(lda), dst, Int32(ldb))
    }
}
