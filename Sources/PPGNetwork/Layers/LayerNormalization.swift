import PPGSignals

/// LayerNormalization over the last axis, biased variance.
public struct LayerNormalizationLayer: Sendable {
    public var epsilon: Float
    /// gamma [channels] or nil when `scale` is false.
    public var gamma: [Float]?
    /// beta [channels] or nil when `center` is false.
    public var beta: [Float]?
}

extension LayerNormalizationLayer {
    /// Reads a Keras `LayerNormalization` call over the last axis: gamma and beta `[channels]`;
    /// output shape = input shape.
    static func fromKeras(_ call: KerasLayerCall) throws -> ParsedLayer {
        let cfg = call.config, name = call.name, inShape = call.inputShape
        let axes = cfg["axis"]?.array?.compactMap(\.int) ?? cfg["axis"]?.int.map { [$0] } ?? [-1]
        let rank = inShape.count + 1
        guard axes.count == 1, axes[0] == -1 || axes[0] == rank - 1 else {
            throw PPGScopeError(object: name, "LayerNormalization over axis \(axes) is not supported (last axis only)")
        }
        let c = inShape.last ?? 0
        let eps = cfg["epsilon"]?.double ?? 1e-3
        let op = LayerOperation.layerNormalization(LayerNormalizationLayer(
            epsilon: Float(eps),
            gamma: (cfg["scale"]?.bool ?? true) ? try call.weight("gamma", shape: [c]) : nil,
            beta: (cfg["center"]?.bool ?? true) ? try call.weight("beta", shape: [c]) : nil))
        return ParsedLayer(operation: op, outputShape: inShape)
    }

    /// LayerNormalization of `rows` rows over the last axis: `[rows, channels]` → `[rows, channels]`,
    /// statistics in Float64.
    func forward(_ input: [Float], rows: Int, channels: Int) -> [Float] {
        let layer = self
        let gamma = layer.gamma ?? [Float](repeating: 1, count: channels)
        let beta = layer.beta ?? [Float](repeating: 0, count: channels)
        return [Float](unsafeUninitializedCapacity: rows * channels) { out, count in
            input.withUnsafeBufferPointer { x in
                gamma.withUnsafeBufferPointer { g in
                    beta.withUnsafeBufferPointer { b in
                        for r in 0..<rows {
                            let row = x.baseAddress! + r * channels, y = out.baseAddress! + r * channels
                            Self.normalizeRow(row, into: y, channels: channels, gamma: g.baseAddress!, beta: b.baseAddress!,
                                         epsilon: Double(layer.epsilon))
                        }
                    }
                }
            }
            count = rows * channels
        }
    }

    /// One row of LayerNormalization, statistics in Float64. Eight lanes at a time: a sequential
    /// Float64 sum over 64 channels is a chain of dependent adds (3.4 µs for KID-PPG's 16 rows).
    @inline(__always)
    static func normalizeRow(_ row: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, channels: Int,
                             gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Double) {
        let vectorEnd = channels - channels % 8
        let xr = UnsafeRawPointer(row)
        @inline(__always) func lanes(_ c: Int) -> SIMD8<Double> {
            SIMD8<Double>(xr.loadUnaligned(fromByteOffset: c * 4, as: SIMD8<Float>.self))
        }
        var sums = SIMD8<Double>()
        for c in stride(from: 0, to: vectorEnd, by: 8) { sums += lanes(c) }
        var sum = sums.sum()
        for c in vectorEnd..<channels { sum += Double(row[c]) }
        let mean = sum / Double(channels)
        var squares = SIMD8<Double>()
        for c in stride(from: 0, to: vectorEnd, by: 8) {
            let d = lanes(c) - mean
            squares += d * d
        }
        var total = squares.sum()
        for c in vectorEnd..<channels {
            let d = Double(row[c]) - mean
            total += d * d
        }
        let inv = 1 / (total / Double(channels) + epsilon).squareRoot()
        let gr = UnsafeRawPointer(gamma), br = UnsafeRawPointer(beta), yr = UnsafeMutableRawPointer(y)
        for c in stride(from: 0, to: vectorEnd, by: 8) {
            let g = SIMD8<Double>(gr.loadUnaligned(fromByteOffset: c * 4, as: SIMD8<Float>.self))
            let b = SIMD8<Double>(br.loadUnaligned(fromByteOffset: c * 4, as: SIMD8<Float>.self))
            yr.storeBytes(of: SIMD8<Float>((lanes(c) - mean) * inv * g + b), toByteOffset: c * 4, as: SIMD8<Float>.self)
        }
        for c in vectorEnd..<channels { y[c] = Float((Double(row[c]) - mean) * inv * Double(gamma[c]) + Double(beta[c])) }
    }
}
