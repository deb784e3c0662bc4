import Foundation
import PPGCompute
import PPGSignals

/// Keras 2 MultiHeadAttention (attention over the time axis, dropout inactive).
public struct MultiHeadAttentionLayer: Sendable {
    public var heads: Int
    public var keyDim: Int
    public var valueDim: Int
    /// Model widths of the query, key and value inputs and of the output.
    public var queryWidth: Int, keyWidth: Int, valueWidth: Int, outputWidth: Int
    /// Kernels [width, heads, dim] and biases [heads, dim] (nil without bias).
    public var queryKernel: [Float], queryBias: [Float]?
    public var keyKernel: [Float], keyBias: [Float]?
    public var valueKernel: [Float], valueBias: [Float]?
    /// Output kernel [heads, valueDim, outputWidth], bias [outputWidth].
    public var outputKernel: [Float], outputBias: [Float]?
}

extension MultiHeadAttentionLayer {
    /// Reads a Keras 2 `MultiHeadAttention` call; inputs query `[T, qW]`, value `[S, vW]`, key
    /// `[S, kW]` (the graph walker resolves value and key from the call's kwargs); output `[T, outW]`.
    static func fromKeras(_ call: KerasLayerCall) throws -> ParsedLayer {
        let cfg = call.config, name = call.name, inShape = call.inputShape
        try call.requireTime()
        let heads = cfg["num_heads"]?.int ?? 1
        let keyDim = cfg["key_dim"]?.int ?? 1
        let valueDim = cfg["value_dim"].flatMap { $0.isNull ? nil : $0.int } ?? keyDim
        let useBias = cfg["use_bias"]?.bool ?? true
        if let axes = cfg["attention_axes"], !axes.isNull, axes.array?.compactMap(\.int) != [1] {
            throw PPGScopeError(object: name, "attention_axes \(axes) is not supported (time axis only)")
        }
        let valueShape = call.inputShapes[1], keyShape = call.inputShapes[2]
        let qW = inShape[1], vW = valueShape.last ?? 0, kW = keyShape.last ?? 0
        var outW = qW
        if let o = cfg["output_shape"], !o.isNull {
            guard let w = o.intOrFirst else { throw PPGScopeError(object: name, "unsupported output_shape \(o)") }
            outW = w
        }
        guard valueShape.count == 2, valueShape[0] == keyShape[0] else {
            throw PPGScopeError(object: name, "key and value must have the same time length")
        }
        let attention = MultiHeadAttentionLayer(
            heads: heads, keyDim: keyDim, valueDim: valueDim,
            queryWidth: qW, keyWidth: kW, valueWidth: vW, outputWidth: outW,
            queryKernel: try call.weight("query/kernel", shape: [qW, heads, keyDim])!,
            queryBias: useBias ? try call.weight("query/bias", shape: [heads, keyDim]) : nil,
            keyKernel: try call.weight("key/kernel", shape: [kW, heads, keyDim])!,
            keyBias: useBias ? try call.weight("key/bias", shape: [heads, keyDim]) : nil,
            valueKernel: try call.weight("value/kernel", shape: [vW, heads, valueDim])!,
            valueBias: useBias ? try call.weight("value/bias", shape: [heads, valueDim]) : nil,
            outputKernel: try call.weight("attention_output/kernel", shape: [heads, valueDim, outW])!,
            outputBias: useBias ? try call.weight("attention_output/bias", shape: [outW]) : nil)
        return ParsedLayer(operation: .multiHeadAttention(attention), outputShape: [inShape[0], outW], fieldGrowth: nil)
    }

    /// Projection `[rows, width] · [width, heads·dim] + bias` for the attention inputs.
    static func project(_ x: [Float], rows: Int, width: Int, kernel: [Float], bias: [Float]?, outWidth: Int) -> [Float] {
        DenseLayer(kernel: kernel, bias: bias, inFeatures: width, units: outWidth, activation: .linear)
            .forward(x, rows: rows)
    }

    /// C[m × n] (row stride ldc) = A[m × k] (contiguous rows) · B[k × n] (row stride ldb) for the
    /// attention's 16 × 16 products: the direct kernel with kernel size 1 where available (a BLAS
    /// call's fixed cost is several times the work here), else BLAS.
    @inline(__always)
    static func smallProduct(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ ldb: Int,
                             _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        if ConvolutionBackend.preferred == .direct {
            let call = ConvKernelCall(x: a, inChannels: k, inputStride: k, leftPad: 0, inputRows: m, w: b, weightStride: ldb,
                                      kernelSize: 1, dilation: 1, bias: nil, outChannels: n, relu: false, y: c, outputStride: ldc)
            DirectConvKernel.run(call, rows: 0..<m)
        } else {
            BLAS.sgemm(m, n, k, a, k, b, ldb, c, ldc, beta: 0)
        }
    }

    /// Keras 2 MultiHeadAttention on `[windows, queryLength, queryWidth]` queries and
    /// `[windows, keyLength, ·]` values and keys → `[windows, queryLength, outputWidth]`: Q scaled by 1/√keyDim after its projection, softmax over keys
    /// (max-subtracted, so saturated logits give exact one-hot weights instead of NaN).
    func forward(query: [Float], value: [Float], key: [Float], windows: Int, queryLength: Int, keyLength: Int) -> [Float] {
        let layer = self
        let h = layer.heads, kd = layer.keyDim, vd = layer.valueDim
        var q = Self.project(query, rows: windows * queryLength, width: layer.queryWidth, kernel: layer.queryKernel,
                        bias: layer.queryBias, outWidth: h * kd)
        let scale = 1 / Float(kd).squareRoot()
        for i in q.indices { q[i] *= scale }
        let k = Self.project(key, rows: windows * keyLength, width: layer.keyWidth, kernel: layer.keyKernel,
                        bias: layer.keyBias, outWidth: h * kd)
        let v = Self.project(value, rows: windows * keyLength, width: layer.valueWidth, kernel: layer.valueKernel,
                        bias: layer.valueBias, outWidth: h * vd)
        var context = [Float](repeating: 0, count: windows * queryLength * h * vd)
        var scores = [Float](repeating: 0, count: queryLength * keyLength)
        // One head's queries, and its keys transposed, as contiguous matrices for `smallProduct`.
        var queries = [Float](repeating: 0, count: queryLength * kd)
        var keysT = [Float](repeating: 0, count: kd * keyLength)
        q.withUnsafeBufferPointer { qp in
            k.withUnsafeBufferPointer { kp in
                v.withUnsafeBufferPointer { vp in
                    context.withUnsafeMutableBufferPointer { cp in
                        scores.withUnsafeMutableBufferPointer { sp in
                          queries.withUnsafeMutableBufferPointer { qc in
                            keysT.withUnsafeMutableBufferPointer { kt in
                            for n in 0..<windows {
                                for head in 0..<h {
                                    let qh = qp.baseAddress! + n * queryLength * h * kd + head * kd
                                    let kh = kp.baseAddress! + n * keyLength * h * kd + head * kd
                                    let vh = vp.baseAddress! + n * keyLength * h * vd + head * vd
                                    for t in 0..<queryLength { (qc.baseAddress! + t * kd).update(from: qh + t * h * kd, count: kd) }
                                    for s in 0..<keyLength { for c in 0..<kd { kt[c * keyLength + s] = kh[s * h * kd + c] } }
                                    Self.smallProduct(queryLength, keyLength, kd, qc.baseAddress!, kt.baseAddress!, keyLength,
                                                 sp.baseAddress!, keyLength)
                                    for t in 0..<queryLength {
                                        let row = sp.baseAddress! + t * keyLength
                                        var peak = -Float.infinity
                                        for s in 0..<keyLength { peak = max(peak, row[s]) }
                                        var sum: Float = 0
                                        for s in 0..<keyLength {
                                            // Below −87 the weight is under 1.7e-38, invisible next to the peak's 1;
                                            // setting it to 0 skips libm's slow underflow path.
                                            let shifted = row[s] - peak
                                            row[s] = shifted < -87 ? 0 : expf(shifted)
                                            sum += row[s]
                                        }
                                        let inv = 1 / sum
                                        for s in 0..<keyLength { row[s] *= inv }
                                    }
                                    Self.smallProduct(queryLength, vd, keyLength, sp.baseAddress!, vh, h * vd,
                                                 cp.baseAddress! + n * queryLength * h * vd + head * vd, h * vd)
                                }
                            }
                            }
                          }
                        }
                    }
                }
            }
        }
        return Self.project(context, rows: windows * queryLength, width: h * vd, kernel: layer.outputKernel,
                       bias: layer.outputBias, outWidth: layer.outputWidth)
    }
}
