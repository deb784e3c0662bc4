import CKernels

/// The small layers around the convolutions, 16 channels at a time with AVX-512F (C:
/// CKernels/layers.c): pooling over time, global pooling, depthwise convolution, BatchNormalization,
/// the merges, Concatenate and the ReLU, LeakyReLU and PReLU layers. Buffers are row-major Float32 `[windows, time, channels]`. Each kernel does, lane by lane,
/// the arithmetic of the plain loop it stands for, in the same order, so results are the same to
/// the bit. Each returns nil or false, touching nothing, when the CPU lacks AVX-512F: the caller
/// then runs its plain loop (which the tests compare the kernels against).
public enum LayerKernels {
    /// True when the CPU has AVX-512F, so the kernels run.
    public static let isAvailable = ppgscope_activation_vector_available() == 1

    /// Geometry of a pooling or depthwise layer over time: output row t reads input rows
    /// `t·stride + j·dilation − left` for j < size, those outside `[0, length)` skipped.
    public struct TimeWindow: Sendable {
        public var windows: Int, length: Int, channels: Int, outLength: Int
        public var size: Int, stride: Int, dilation: Int, left: Int

        public init(windows: Int, length: Int, channels: Int, outLength: Int, size: Int, stride: Int, dilation: Int = 1, left: Int) {
            (self.windows, self.length, self.channels, self.outLength) = (windows, length, channels, outLength)
            (self.size, self.stride, self.dilation, self.left) = (size, stride, dilation, left)
        }

        var outputCount: Int { windows * outLength * channels }
    }

    /// Max (NaN if the pool holds one) or mean (sum in order × 1/count) over each pool; `nil`
    /// without AVX-512F.
    public static func pool(_ x: [Float], _ g: TimeWindow, maximum: Bool) -> [Float]? {
        guard isAvailable else { return nil }
        precondition(x.count == g.windows * g.length * g.channels, "pool: input size")
        return output(count: g.outputCount) { y in
            x.withUnsafeBufferPointer { xp in
                let kernel = maximum ? ppgscope_pool_max : ppgscope_pool_average
                return kernel(xp.baseAddress!, y, g.windows, g.length, g.channels, g.outLength, g.size, g.stride, g.left) == 1
            }
        }
    }

    /// `[windows, length, channels]` → `[windows, channels]`: the max over time (NaN if any), or
    /// the mean summed in Float64; `nil` without AVX-512F.
    public static func globalPool(_ x: [Float], windows: Int, length: Int, channels: Int, maximum: Bool) -> [Float]? {
        guard isAvailable else { return nil }
        precondition(x.count == windows * length * channels, "globalPool: input size")
        return output(count: windows * channels) { y in
            x.withUnsafeBufferPointer { xp in
                (maximum ? ppgscope_global_pool_max : ppgscope_global_pool_average)(xp.baseAddress!, y, windows, length, channels) == 1
            }
        }
    }

    /// Depthwise convolution, `x` `[windows, length, channels]` → `[windows, outLength, channels ·
    /// multiplier]`: `y[t, c·m + k] = bias[c·m + k] + Σ_j w[j, c, k] · x[t·stride + j·dilation − left, c]`
    /// (terms in j order; `g.channels` counts the input's); `nil` without AVX-512F.
    public static func depthwise(_ x: [Float], kernel: [Float], bias: [Float]?, multiplier: Int, _ g: TimeWindow) -> [Float]? {
        guard isAvailable else { return nil }
        let outChannels = g.channels * multiplier
        precondition(x.count == g.windows * g.length * g.channels && kernel.count == g.size * outChannels
                     && (bias?.count ?? outChannels) == outChannels, "depthwise: buffer sizes")
        return output(count: g.windows * g.outLength * outChannels) { y in
            x.withUnsafeBufferPointer { xp in
                kernel.withUnsafeBufferPointer { wp in
                    let run = { (b: UnsafePointer<Float>?) in
                        ppgscope_depthwise(xp.baseAddress!, wp.baseAddress!, b, y, g.windows, g.length, g.channels, multiplier,
                                           g.outLength, g.size, g.stride, g.dilation, g.left) == 1
                    }
                    guard let bias else { return run(nil) }
                    return bias.withUnsafeBufferPointer { run($0.baseAddress!) }
                }
            }
        }
    }

    /// An element-wise combination of several inputs.
    public enum Merge: Sendable {
        case add, subtract, multiply, average, maximum, minimum

        var c: Int32 {
            switch self {
            case .add: Int32(PPGSCOPE_MERGE_ADD)
            case .subtract: Int32(PPGSCOPE_MERGE_SUBTRACT)
            case .multiply: Int32(PPGSCOPE_MERGE_MULTIPLY)
            case .average: Int32(PPGSCOPE_MERGE_AVERAGE)
            case .maximum: Int32(PPGSCOPE_MERGE_MAXIMUM)
            case .minimum: Int32(PPGSCOPE_MERGE_MINIMUM)
            }
        }
    }

    /// `inputs` (all of one size) combined element by element, left to right (Average: the sum
    /// divided by the count; Maximum takes a later value where it is ≥, Minimum where it is <);
    /// `nil` without AVX-512F.
    public static func merge(_ inputs: [[Float]], _ kind: Merge) -> [Float]? {
        guard isAvailable, let n = inputs.first?.count else { return nil }
        precondition(inputs.allSatisfy { $0.count == n }, "merge: input sizes")
        return output(count: n) { y in
            withBasePointers(inputs) { pointers in ppgscope_merge(kind.c, pointers, inputs.count, n, y) == 1 }
        }
    }

    /// Rows of `inputs` joined: output row r is input 0's row r (`widths[0]` floats), then input
    /// 1's, and so on; `nil` without AVX-512F.
    public static func concatenateRows(_ inputs: [[Float]], widths: [Int], rows: Int) -> [Float]? {
        guard isAvailable else { return nil }
        precondition(inputs.count == widths.count && zip(inputs, widths).allSatisfy { $0.count == rows * $1 }, "concatenate: input sizes")
        return output(count: rows * widths.reduce(0, +)) { y in
            withBasePointers(inputs) { pointers in
                widths.withUnsafeBufferPointer { w in ppgscope_concatenate_rows(pointers, w.baseAddress!, inputs.count, rows, y) == 1 }
            }
        }
    }

    /// Calls `body` with the base addresses of `arrays`, valid for the call (a stack buffer of
    /// pointers, each array pinned by its own `withUnsafeBufferPointer`; not generic, so no type
    /// metadata is looked up per call).
    private static func withBasePointers(_ arrays: [[Float]], _ body: (UnsafePointer<UnsafePointer<Float>?>) -> Bool) -> Bool {
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>?.self, capacity: arrays.count) { pointers in
            func pin(_ index: Int) -> Bool {
                guard index < arrays.count else { return body(UnsafePointer(pointers.baseAddress!)) }
                return arrays[index].withUnsafeBufferPointer { p in
                    pointers[index] = p.baseAddress
                    return pin(index + 1)
                }
            }
            return pin(0)
        }
    }

    /// BatchNormalization at inference in place on `[rows, channels]` (channels = `scale.count`):
    /// `x·scale[c] + shift[c]`; false without AVX-512F.
    public static func scaleAndShift(_ x: inout [Float], scale: [Float], shift: [Float]) -> Bool {
        guard isAvailable else { return false }
        let c = scale.count
        precondition(c > 0 && shift.count == c && x.count % c == 0, "scaleAndShift: buffer sizes")
        return x.withUnsafeMutableBufferPointer { p in
            guard let base = p.baseAddress else { return true }
            return scale.withUnsafeBufferPointer { a in shift.withUnsafeBufferPointer { b in
                ppgscope_scale_shift(base, p.count / c, c, a.baseAddress!, b.baseAddress!) == 1
            } }
        }
    }

    /// Keras `ReLU` with options, in place (NaN stays NaN); false without AVX-512F.
    public static func relu(_ x: inout [Float], maxValue: Float?, negativeSlope: Float, threshold: Float) -> Bool {
        guard isAvailable else { return false }
        return x.withUnsafeMutableBufferPointer { p in
            guard let base = p.baseAddress else { return true }
            return ppgscope_relu_options(base, p.count, maxValue == nil ? 0 : 1, maxValue ?? 0, negativeSlope, threshold) == 1
        }
    }

    /// LeakyReLU in place: `x < 0 ? slope·x : x`; false without AVX-512F.
    public static func leakyReLU(_ x: inout [Float], slope: Float) -> Bool {
        guard isAvailable else { return false }
        return x.withUnsafeMutableBufferPointer { p in
            guard let base = p.baseAddress else { return true }
            return ppgscope_leaky_relu(base, p.count, slope) == 1
        }
    }

    /// PReLU in place on `[windows, rows, channels]`, alpha `[alphaRows, alphaChannels]` (each 1 on
    /// a shared axis); false without AVX-512F.
    public static func prelu(_ x: inout [Float], rows: Int, channels: Int, alpha: [Float], alphaRows: Int, alphaChannels: Int) -> Bool {
        guard isAvailable else { return false }
        precondition(rows > 0 && channels > 0 && x.count % (rows * channels) == 0 && alpha.count == alphaRows * alphaChannels,
                     "prelu: buffer sizes")
        return x.withUnsafeMutableBufferPointer { p in
            guard let base = p.baseAddress else { return true }
            return alpha.withUnsafeBufferPointer { a in
                ppgscope_prelu(base, p.count / (rows * channels), rows, channels, a.baseAddress!, alphaRows, alphaChannels) == 1
            }
        }
    }

    /// A new array of `count` floats filled by `fill`, or nil when `fill` declines.
    private static func output(count: Int, _ fill: (UnsafeMutablePointer<Float>) -> Bool) -> [Float]? {
        guard count > 0 else { return [] }
        var ran = false
        let y = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            ran = fill(buffer.baseAddress!)
            initialized = ran ? count : 0
        }
        return ran ? y : nil
    }
}
