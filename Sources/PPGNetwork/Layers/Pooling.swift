import PPGSignals

/// AveragePooling1D over time; `same` padding averages only the samples inside the signal (as TF).
public struct AveragePoolingLayer: Sendable {
    public var poolSize: Int
    public var stride: Int
    public var padding: Padding

    public func outputLength(_ length: Int) -> Int {
        switch padding {
        case .same: return (length + stride - 1) / stride
        default: return length >= poolSize ? (length - poolSize) / stride + 1 : 0
        }
    }

    /// Left padding for `same` (TF puts the extra sample on the right).
    public func leftPad(_ length: Int) -> Int {
        guard padding == .same else { return 0 }
        let out = outputLength(length)
        return max((out - 1) * stride + poolSize - length, 0) / 2
    }
}

extension AveragePoolingLayer {
    /// Reads a Keras `AveragePooling1D` call on a `[time, channels]` input; output `[outLength, channels]`.
    static func fromKeras(_ call: KerasLayerCall) throws -> ParsedLayer {
        let cfg = call.config, name = call.name, inShape = call.inputShape
        try call.requireTime()
        let p = cfg["pool_size"]?.intOrFirst ?? 2
        let s = cfg["strides"]?.intOrFirst ?? p
        let padName = cfg["padding"]?.string ?? "valid"
        guard let padding = Padding(rawValue: padName), padding != .causal else {
            throw PPGScopeError(object: name, "pooling padding '\(padName)' is not supported")
        }
        guard cfg["data_format"]?.string ?? "channels_last" == "channels_last" else {
            throw PPGScopeError(object: name, "only channels_last pooling is supported")
        }
        let pool = AveragePoolingLayer(poolSize: p, stride: s, padding: padding)
        let outT = pool.outputLength(inShape[0])
        guard outT > 0 else { throw PPGScopeError(object: name, "input shorter than the pool") }
        return ParsedLayer(operation: .averagePooling(pool), outputShape: [outT, inShape[1]], stride: s, fieldGrowth: p - 1)
    }

    /// Average pooling over time, `[windows, length, channels]` → `[windows, outLength, channels]`;
    /// `same` averages only the in-signal samples.
    func forward(_ input: [Float], windows: Int, length: Int, channels: Int) -> [Float] {
        let layer = self
        let outLength = layer.outputLength(length)
        let left = layer.leftPad(length)
        return [Float](unsafeUninitializedCapacity: windows * outLength * channels) { y, count in
            y.baseAddress!.initialize(repeating: 0, count: windows * outLength * channels)
            input.withUnsafeBufferPointer { x in
                for n in 0..<windows {
                    for t in 0..<outLength {
                        let start = max(t * layer.stride - left, 0)
                        let end = min(t * layer.stride - left + layer.poolSize, length)
                        let out = y.baseAddress! + (n * outLength + t) * channels
                        let scale = 1 / Float(end - start)
                        if channels % 16 == 0 {
                            let o = UnsafeMutableRawPointer(out), xr = UnsafeRawPointer(x.baseAddress!)
                            for block in Swift.stride(from: 0, to: channels, by: 16) {
                                var sum = SIMD16<Float>(repeating: 0)
                                for s in start..<end {
                                    sum += xr.loadUnaligned(fromByteOffset: ((n * length + s) * channels + block) * 4, as: SIMD16<Float>.self)
                                }
                                o.storeBytes(of: sum * scale, toByteOffset: block * 4, as: SIMD16<Float>.self)
                            }
                        } else {
                            for s in start..<end {
                                let row = x.baseAddress! + (n * length + s) * channels
                                for c in 0..<channels { out[c] += row[c] }
                            }
                            for c in 0..<channels { out[c] *= scale }
                        }
                    }
                }
            }
            count = windows * outLength * channels
        }
    }
}
