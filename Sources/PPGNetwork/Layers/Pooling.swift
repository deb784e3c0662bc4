import PPGCompute
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
    /// Reads a Keras `AveragePooling1D` (or `MaxPooling1D`) call on a `[time, channels]` input;
    /// output `[outLength, channels]`.
    static func fromKeras(_ call: KerasLayerCall) throws -> ParsedLayer {
        let cfg = call.config, name = call.name, inShape = call.inputShape
        try call.requireTime()
        let p = cfg["pool_size"]?.intOrFirst ?? 2
        let s = cfg["strides"]?.intOrFirst ?? p
        let padName = cfg["padding"]?.string ?? "valid"
        guard let padding = Padding(rawValue: padName), padding != .causal else {
            throw PPGScopeError(object: name, "\(call.className) padding '\(padName)' is not supported (valid, same)")
        }
        try call.requireChannelsLast()
        guard p > 0, s > 0 else { throw PPGScopeError(object: name, "\(call.className) pool_size \(p) and strides \(s) must be positive") }
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
        let grid = LayerKernels.TimeWindow(windows: windows, length: length, channels: channels, outLength: outLength,
                                           size: poolSize, stride: stride, left: left)
        return LayerKernels.pool(input, grid, maximum: false) ?? forwardPlain(input, windows: windows, length: length, channels: channels)
    }

    /// `forward` as a plain loop (the kernel's reference, and its stand-in without AVX-512F).
    func forwardPlain(_ input: [Float], windows: Int, length: Int, channels: Int) -> [Float] {
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

/// MaxPooling1D over time; `same` padding takes the maximum over the samples inside the signal
/// (TF pads with −∞). A NaN in a pool gives NaN.
public struct MaxPoolingLayer: Sendable {
    public var poolSize: Int
    public var stride: Int
    public var padding: Padding

    var window: AveragePoolingLayer { AveragePoolingLayer(poolSize: poolSize, stride: stride, padding: padding) }
}

extension MaxPoolingLayer {
    /// Reads a Keras `MaxPooling1D` call on a `[time, channels]` input; output `[outLength, channels]`.
    static func fromKeras(_ call: KerasLayerCall) throws -> ParsedLayer {
        var parsed = try AveragePoolingLayer.fromKeras(call)
        guard case .averagePooling(let p) = parsed.operation else { return parsed }
        parsed.operation = .maxPooling(MaxPoolingLayer(poolSize: p.poolSize, stride: p.stride, padding: p.padding))
        return parsed
    }

    /// `[windows, length, channels]` → `[windows, outLength, channels]`.
    func forward(_ input: [Float], windows: Int, length: Int, channels: Int) -> [Float] {
        let grid = window
        let outLength = grid.outputLength(length), left = grid.leftPad(length)
        let pools = LayerKernels.TimeWindow(windows: windows, length: length, channels: channels, outLength: outLength,
                                            size: poolSize, stride: stride, left: left)
        return LayerKernels.pool(input, pools, maximum: true) ?? forwardPlain(input, windows: windows, length: length, channels: channels)
    }

    /// `forward` as a plain loop (the kernel's reference, and its stand-in without AVX-512F).
    func forwardPlain(_ input: [Float], windows: Int, length: Int, channels: Int) -> [Float] {
        let grid = window
        let outLength = grid.outputLength(length), left = grid.leftPad(length)
        var y = [Float](repeating: 0, count: windows * outLength * channels)
        for n in 0..<windows {
            for t in 0..<outLength {
                let start = max(t * stride - left, 0), end = min(t * stride - left + poolSize, length)
                let out = (n * outLength + t) * channels
                for c in 0..<channels {
                    var m = input[(n * length + start) * channels + c]
                    for s in (start + 1)..<max(end, start + 1) {
                        let v = input[(n * length + s) * channels + c]
                        if v > m || v.isNaN { m = v }
                    }
                    y[out + c] = m
                }
            }
        }
        return y
    }
}

/// GlobalAveragePooling1D and GlobalMaxPooling1D: `[time, channels]` → `[channels]`, or `[1, channels]`
/// with `keepdims`. The maximum of a channel holding a NaN is NaN.
public struct GlobalPoolingLayer: Sendable {
    public enum Kind: Sendable { case average, max }
    public var kind: Kind
    public var keepDims: Bool
}

extension GlobalPoolingLayer {
    /// Reads a Keras `GlobalAveragePooling1D` or `GlobalMaxPooling1D` call on a `[time, channels]` input.
    static func fromKeras(_ call: KerasLayerCall) throws -> ParsedLayer {
        try call.requireTime()
        try call.requireChannelsLast()
        let keep = call.config["keepdims"]?.bool ?? false
        let layer = GlobalPoolingLayer(kind: call.className == "GlobalMaxPooling1D" ? .max : .average, keepDims: keep)
        let c = call.inputShape[1]
        return ParsedLayer(operation: .globalPooling(layer), outputShape: keep ? [1, c] : [c], fieldGrowth: nil, keepsTime: false)
    }

    /// `[windows, length, channels]` → `[windows, channels]` (the same values for `[windows, 1, channels]`);
    /// the average is summed in Float64.
    func forward(_ input: [Float], windows: Int, length: Int, channels: Int) -> [Float] {
        LayerKernels.globalPool(input, windows: windows, length: length, channels: channels, maximum: kind == .max)
            ?? forwardPlain(input, windows: windows, length: length, channels: channels)
    }

    /// `forward` as a plain loop (the kernel's reference, and its stand-in without AVX-512F).
    func forwardPlain(_ input: [Float], windows: Int, length: Int, channels: Int) -> [Float] {
        var y = [Float](repeating: 0, count: windows * channels)
        for n in 0..<windows {
            for c in 0..<channels {
                let first = n * length * channels + c
                switch kind {
                case .average:
                    var sum = 0.0
                    for t in 0..<length { sum += Double(input[first + t * channels]) }
                    y[n * channels + c] = Float(sum / Double(length))
                case .max:
                    var m = input[first]
                    for t in 1..<max(length, 1) {
                        let v = input[first + t * channels]
                        if v > m || v.isNaN { m = v }
                    }
                    y[n * channels + c] = m
                }
            }
        }
        return y
    }
}
