import CKernels

/// Row-major BLAS products on the loaded library (`BLASLibrary`). Pointers are the caller's
/// buffers; shapes as in the CBLAS reference, `ld*` in elements.
public enum BLAS {
    /// C[m×n] (ldc) = alpha·op(A)·op(B) + beta·C, op(A) [m×k], op(B) [k×n].
    @inline(__always)
    public static func sgemm(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                             _ c: UnsafeMutablePointer<Float>, _ ldc: Int, beta: Float, alpha: Float = 1,
                             transposeA: Bool = false, transposeB: Bool = false) {
        BLASLibrary.ensureLoaded()
        ppgscope_sgemm(op(transposeA), op(transposeB), Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb),
                       beta, c, Int32(ldc))
    }

    /// y[n] = alpha·Aᵀ·x + beta·y for A [m×n] (lda), x [m] with stride incx.
    public static func gemvTransposed(_ m: Int, _ n: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ x: UnsafePointer<Float>,
                                       _ incx: Int, beta: Float, _ y: UnsafeMutablePointer<Float>, alpha: Float = 1) {
        BLASLibrary.ensureLoaded()
        ppgscope_sgemv(op(true), Int32(m), Int32(n), alpha, a, Int32(lda), x, Int32(incx), beta, y, 1)
    }

    /// dst [n×m] (ldb) = srcᵀ for src [m×n] (lda).
    public static func transpose(_ m: Int, _ n: Int, _ src: UnsafePointer<Float>, _ lda: Int, _ dst: UnsafeMutablePointer<Float>, _ ldb: Int) {
        BLASLibrary.ensureLoaded()
        ppgscope_somatcopy(op(true), Int32(m), Int32(n), 1, src, Int32(lda), dst, Int32(ldb))
    }

    /// Upper triangle of gram [u×u] += Xᵀ·X for X [rows×u] (Float64).
    public static func addGram(_ rows: Int, _ u: Int, _ x: UnsafePointer<Double>, into gram: UnsafeMutablePointer<Double>) {
        BLASLibrary.ensureLoaded()
        ppgscope_dsyrk_upper(op(true), Int32(u), Int32(rows), 1, x, Int32(u), 1, gram, Int32(u))
    }

    /// cross [u] += Xᵀ·y for X [rows×u], y [rows] (Float64).
    public static func addCross(_ rows: Int, _ u: Int, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>,
                                into cross: UnsafeMutablePointer<Double>) {
        BLASLibrary.ensureLoaded()
        ppgscope_dgemv(op(true), Int32(rows), Int32(u), 1, x, Int32(u), y, 1, 1, cross, 1)
    }

    @inline(__always) static func op(_ transpose: Bool) -> Int32 {
        transpose ? PPGSCOPE_BLAS_TRANS : PPGSCOPE_BLAS_NO_TRANS
    }
}
