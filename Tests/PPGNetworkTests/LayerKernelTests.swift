import PPGCompute
@testable import PPGNetwork
import Testing

/// The AVX-512F kernels of the small layers (pooling, global pooling, depthwise, BatchNormalization,
/// merges, Concatenate, activation layers) give the plain loops' results to the bit, NaN and ±∞
/// included, over channel counts on and off the 16-lane grid, every padding and the options each
/// layer has. (ELU's kernel uses libmvec's expm1f, the loop Float64 expm1: within 4 ulp.)
@Suite struct LayerKernelTests {
    /// Values in ±4 with a NaN, +∞ and −∞ at fixed places (when `specials`).
    static func values(_ count: Int, seed: UInt64, specials: Bool = true) -> [Float] {
        var state = seed
        var x = (0..<count).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 8001) / 1000 - 4
        }
        if specials && count > 40 { x[7] = .nan; x[23] = .infinity; x[38] = -.infinity }
        return x
    }

    static func expectSameBits(_ kernel: [Float], _ plain: [Float], _ context: String) {
        #expect(kernel.count == plain.count, "\(context): \(kernel.count) values, plain \(plain.count)")
        let differing = zip(kernel, plain).enumerated().filter { _, p in
            !(p.0.bitPattern == p.1.bitPattern || (p.0.isNaN && p.1.isNaN))
        }
        #expect(differing.isEmpty, "\(context): \(differing.count) values differ, first at \(differing.first.map { "\($0.offset): \($0.element)" } ?? "")")
    }

    static let channelCounts = [1, 3, 8, 16, 17, 33]

    @Test func theKernelsRunWhereTheConvKernelRuns() {
        #expect(LayerKernels.isAvailable == ConvolutionBackend.directAvailable, "both need AVX-512F")
    }

    @Test func poolingIsThePlainLoop() {
        for c in Self.channelCounts {
            for (pool, stride) in [(2, 2), (3, 1), (3, 2), (4, 3), (8, 8)] {
                for padding in [Padding.valid, .same] {
                    let length = 29, windows = 3
                    let x = Self.values(windows * length * c, seed: UInt64(c * 100 + pool))
                    let average = AveragePoolingLayer(poolSize: pool, stride: stride, padding: padding)
                    let context = "pool \(pool)/\(stride) \(padding) channels \(c)"
                    Self.expectSameBits(average.forward(x, windows: windows, length: length, channels: c),
                                        average.forwardPlain(x, windows: windows, length: length, channels: c), "average " + context)
                    let maximum = MaxPoolingLayer(poolSize: pool, stride: stride, padding: padding)
                    Self.expectSameBits(maximum.forward(x, windows: windows, length: length, channels: c),
                                        maximum.forwardPlain(x, windows: windows, length: length, channels: c), "max " + context)
                }
            }
        }
    }

    @Test func globalPoolingIsThePlainLoop() {
        for c in Self.channelCounts {
            for length in [1, 5, 64] {
                let x = Self.values(2 * length * c, seed: UInt64(c + length), specials: length > 1)
                for kind in [GlobalPoolingLayer.Kind.average, .max] {
                    let layer = GlobalPoolingLayer(kind: kind, keepDims: false)
                    Self.expectSameBits(layer.forward(x, windows: 2, length: length, channels: c),
                                        layer.forwardPlain(x, windows: 2, length: length, channels: c), "\(kind) length \(length) channels \(c)")
                }
            }
        }
    }

    @Test func depthwiseIsThePlainLoop() {
        for c in [1, 3, 8, 17] {
            for m in [1, 2, 3] {
                for (k, stride, dilation) in [(1, 1, 1), (3, 1, 2), (5, 2, 1), (4, 1, 1), (3, 3, 1)] {
                    for padding in [Padding.valid, .same, .causal] {
                        for withBias in [true, false] {
                            let layer = DepthwiseConv1DLayer(
                                kernel: Self.values(k * c * m, seed: 3, specials: false),
                                bias: withBias ? Self.values(c * m, seed: 4, specials: false) : nil,
                                kernelSize: k, inChannels: c, depthMultiplier: m, stride: stride, dilation: dilation,
                                padding: padding, activation: .linear)
                            let length = 23
                            let x = Self.values(2 * length * c, seed: UInt64(c * 7 + m))
                            Self.expectSameBits(layer.forward(x, windows: 2, length: length, keepPreactivation: false).output,
                                                layer.forwardPlain(x, windows: 2, length: length),
                                                "depthwise channels \(c) ×\(m) k\(k) s\(stride) d\(dilation) \(padding) bias \(withBias)")
                        }
                    }
                }
            }
        }
    }

    @Test func batchNormalizationIsThePlainLoop() {
        for c in Self.channelCounts {
            let layer = BatchNormalizationLayer(gamma: Self.values(c, seed: 1, specials: false), beta: Self.values(c, seed: 2, specials: false),
                                                mean: Self.values(c, seed: 3, specials: false),
                                                variance: Self.values(c, seed: 4, specials: false).map { abs($0) + 0.1 }, epsilon: 1e-3)
            let x = Self.values(19 * c, seed: 5)
            Self.expectSameBits(layer.forward(x), layer.forwardPlain(x), "batch normalisation channels \(c)")
        }
    }

    @Test(arguments: [MergeLayer.Kind.add, .subtract, .multiply, .average, .maximum, .minimum])
    func mergesAreThePlainLoop(kind: MergeLayer.Kind) {
        for count in kind == .subtract ? [2] : [2, 3] {
            for shape in [[37, 3], [5, 16], [41]] {
                let inputs = (0..<count).map { Self.values(3 * shape.reduce(1, *), seed: UInt64(10 + $0)) }
                let layer = MergeLayer(kind: kind, inputs: count, inputShapes: Array(repeating: shape, count: count), outputShape: shape)
                Self.expectSameBits(layer.forward(inputs, windows: 3), layer.forwardPlain(inputs, windows: 3), "\(kind) of \(count) \(shape)")
            }
        }
    }

    @Test func concatenateIsThePlainLoop() {
        for (shapes, axis) in [([[9, 3], [9, 17], [9, 1]], ConcatenateLayer.Axis.channels), ([[4, 8], [6, 8]], .time),
                               ([[5], [16]], .channels)] {
            let inputs = shapes.enumerated().map { Self.values(2 * $1.reduce(1, *), seed: UInt64($0)) }
            let layer = ConcatenateLayer(axis: axis, inputShapes: shapes)
            Self.expectSameBits(layer.forward(inputs, windows: 2), layer.forwardPlain(inputs, windows: 2), "concatenate \(shapes) \(axis)")
        }
    }

    @Test func activationLayersAreThePlainLoops() {
        let shape = [21, 7]
        let layers: [ActivationLayer] = [
            .relu(maxValue: nil, negativeSlope: 0, threshold: 0), .relu(maxValue: 6, negativeSlope: 0, threshold: 0),
            .relu(maxValue: 1, negativeSlope: 0.1, threshold: 0.2), .relu(maxValue: nil, negativeSlope: 0.3, threshold: -0.5),
            .leakyReLU(slope: 0.2),
            .prelu(alpha: Self.values(21 * 7, seed: 8, specials: false), alphaShape: [21, 7]),
            .prelu(alpha: Self.values(7, seed: 9, specials: false), alphaShape: [1, 7]),
            .prelu(alpha: Self.values(21, seed: 10, specials: false), alphaShape: [21, 1]),
            .prelu(alpha: [0.25], alphaShape: [1, 1]),
        ]
        for layer in layers {
            let x = Self.values(3 * 21 * 7, seed: 11)
            var kernel = x, plain = x
            layer.apply(to: &kernel, shape: shape)
            layer.applyPlain(to: &plain, shape: shape)
            Self.expectSameBits(kernel, plain, "\(layer.className) \(layer.details)")
        }
        // PReLU after a Flatten: [features], alpha per feature.
        let flat = ActivationLayer.prelu(alpha: Self.values(40, seed: 12, specials: false), alphaShape: [40])
        var kernel = Self.values(120, seed: 13), plain = kernel
        flat.apply(to: &kernel, shape: [40])
        flat.applyPlain(to: &plain, shape: [40])
        Self.expectSameBits(kernel, plain, "PReLU on [40]")
    }

    @Test func eluIsThePlainLoopToFourUlp() {
        let x = Self.values(4_000, seed: 14) + (0..<2_001).map { Float($0 - 2_000) / 10 }
        var kernel = x, plain = x
        let layer = ActivationLayer.elu(alpha: 0.7)
        layer.apply(to: &kernel, shape: [x.count])
        layer.applyPlain(to: &plain, shape: [x.count])
        for i in x.indices {
            let ok = plain[i].isNaN ? kernel[i].isNaN : (kernel[i] == plain[i] || abs(kernel[i] - plain[i]) <= 4 * plain[i].ulp)
            #expect(ok, "ELU(\(x[i])): kernel \(kernel[i]), plain \(plain[i])")
        }
    }
}
