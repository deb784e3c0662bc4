import PPGCompute

/// How Conv1D and Dense layers are computed. `direct` is ppgscope's AVX-512F register-tiled kernel
/// (PPGCompute's `DirectConvKernel`), `blas` is `kernelSize` shifted OpenBLAS GEMMs; `ppgscope
/// bench --only conv` measures both on every KID-PPG layer shape (here the direct kernel was 1.2–1.5× faster, 5× on the
/// single-input-channel first layer).
public enum ConvolutionBackend: String, Sendable, CaseIterable {
    case direct, blas

    /// Whether this CPU runs the direct kernels (AVX-512F).
    public static let directAvailable = DirectConvKernel.isAvailable

    /// The backend the forward pass uses: `direct` where the CPU has AVX-512F, else `blas`.
    public static let preferred: ConvolutionBackend = directAvailable ? .direct : .blas
}
