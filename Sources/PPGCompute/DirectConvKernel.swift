import CKernels

/// One call of ppgscope's direct Conv1D kernel (C, AVX-512F), all row-major Float32:
///
///     y[r·outputStride + o] (+)= act(bias[o] + Σ_j Σ_c xpad[r + j·dilation, c] · w[(j·inChannels + c)·weightStride + o])
///
/// for o < outChannels, where `xpad[p, c]` is `x[(p − leftPad)·inputStride + c]` for
/// 0 ≤ p − leftPad < inputRows and 0 otherwise: the padding is never stored. With kernelSize 1 it
/// is a matrix product (dense layers, attention).
public struct ConvKernelCall {
    public var x: UnsafePointer<Float>
    public var inChannels: Int
    /// Floats from one input row to the next (≥ inChannels).
    public var inputStride: Int
    /// Zero rows before the input (causal: (kernelSize − 1)·dilation).
    public var leftPad: Int
    public var inputRows: Int
    /// Keras kernel [kernelSize, inChannels, weightStride].
    public var w: UnsafePointer<Float>
    /// outChannels, or more to compute a block of columns.
    public var weightStride: Int
    public var kernelSize: Int
    public var dilation: Int
    public var bias: UnsafePointer<Float>?
    public var outChannels: Int
    /// max(·, 0) on the value stored.
    public var relu: Bool
    /// Add to y instead of overwriting it.
    public var accumulate: Bool
    public var y: UnsafeMutablePointer<Float>
    public var outputStride: Int

    public init(x: UnsafePointer<Float>, inChannels: Int, inputStride: Int, leftPad: Int, inputRows: Int, w: UnsafePointer<Float>,
                weightStride: Int, kernelSize: Int, dilation: Int, bias: UnsafePointer<Float>?, outChannels: Int, relu: Bool,
                accumulate: Bool = false, y: UnsafeMutablePointer<Float>, outputStride: Int) {
        (self.x, self.inChannels, self.inputStride, self.leftPad, self.inputRows) = (x, inChannels, inputStride, leftPad, inputRows)
        (self.w, self.weightStride, self.kernelSize, self.dilation, self.bias) = (w, weightStride, kernelSize, dilation, bias)
        (self.outChannels, self.relu, self.accumulate, self.y, self.outputStride) = (outChannels, relu, accumulate, y, outputStride)
    }

    var arguments: ppgscope_conv1d_args {
        ppgscope_conv1d_args(x: x, inChannels: Int32(inChannels), inputStride: Int32(inputStride), leftPad: Int32(leftPad),
                             inputRows: Int32(inputRows), w: w, weightStride: Int32(weightStride), kernelSize: Int32(kernelSize),
                             dilation: Int32(dilation), bias: bias, outChannels: Int32(outChannels), relu: relu ? 1 : 0,
                             accumulate: accumulate ? 1 : 0, y: y, outputStride: Int32(outputStride))
    }
}

/// The direct kernel, chosen at run time: available where the CPU has AVX-512F (BLAS otherwise).
public enum DirectConvKernel {
    /// Whether this CPU runs the direct kernel.
    public static let isAvailable = ppgscope_conv1d_direct_available() == 1

    /// Input channels up to which the zero padding can be virtual.
    public static let maxVirtualPaddingChannels = Int(PPGSCOPE_CONV1D_MAX_VIRTUAL_PAD_CHANNELS)

    /// Computes output rows `rows` of `call`. Only when `isAvailable`.
    @inline(__always)
    public static func run(_ call: ConvKernelCall, rows: Range<Int>) {
        var args = call.arguments
        ppgscope_conv1d_direct(&args, Int32(rows.lowerBound), Int32(rows.count))
    }

    /// Output rows per register tile for `outChannels` (12, 12, 8 or 6 for 16, 32, 48 or 64+
    /// channels): row blocks that are a multiple of this run without partial tiles.
    public static func tileRows(outChannels: Int) -> Int { Int(ppgscope_conv1d_direct_tile_rows(Int32(outChannels))) }
}
