import CCBLAS
import Foundation

/// Compute kernels for one batch of windows. Inputs and outputs are row-major
/// `[windows, time, channels]` (or `[windows, features]`) buffers; BLAS does the multiplies.
enum Kernels {
    /// Keeps OpenBLAS single-threaded: ppgscope parallelises over windows itself.
    static let configureBLAS: Void = { openblas_set_num_threads(1) }()

    /// C[M×N] (ldc) = alpha·A[M×K] (lda) · B[K×N] (ldb) + beta·C, row-major.
    @inline(__always)
    static func gemm(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int,
                     _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
                     beta: Float, transposeB: Bool = false, alpha: Float = 1) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Conv1D over `windows` windows of `length` samples; returns the pre-activation
    /// `[windows, outLength, outChannels]`. The dilated kernel is applied as `kernelSize` shifted GEMMs
    /// (no zero-inflated kernel); with stride 1 all windows go through one GEMM per tap over the
    /// concatenated padded windows, and the rows that straddle two windows are dropped.
    static func conv1D(_ layer: Conv1DLayer, input: [Float], windows: Int, length: Int) -> [Float] {
        _ = configureBLAS
        let cin = layer.inChannels, cout = layer.outChannels
        let (left, right) = layer.pads(length: length)
        let padded = length + left + right
        let outLength = layer.outputLength(length)
        let span = (layer.kernelSize - 1) * layer.dilation
        var xpad = [Float](repeating: 0, count: windows * padded * cin)
        input.withUnsafeBufferPointer { src in
            xpad.withUnsafeMutableBufferPointer { dst in
                for n in 0..<windows {
                    (dst.baseAddress! + (n * padded + left) * cin)
                        .update(from: src.baseAddress! + n * length * cin, count: length * cin)
                }
            }
        }
        var output = [Float](repeating: 0, count: windows * outLength * cout)
        layer.kernel.withUnsafeBufferPointer { w in
            xpad.withUnsafeBufferPointer { x in
                if layer.stride == 1 {
                    let rows = windows * padded - span
                    var acc = [Float](repeating: 0, count: rows * cout)
                    acc.withUnsafeMutableBufferPointer { c in
                        if let bias = layer.bias {
                            for r in 0..<rows { (c.baseAddress! + r * cout).update(from: bias, count: cout) }
                        }
                        for j in 0..<layer.kernelSize {
                            gemm(rows, cout, cin, x.baseAddress! + j * layer.dilation * cin, cin,
                                 w.baseAddress! + j * cin * cout, cout, c.baseAddress!, cout, beta: 1)
                        }
                        output.withUnsafeMutableBufferPointer { o in
                            for n in 0..<windows {
                                (o.baseAddress! + n * outLength * cout)
                                    .update(from: c.baseAddress! + n * padded * cout, count: outLength * cout)
                            }
                        }
                    }
                } else {
                    output.withUnsafeMutableBufferPointer { o in
                        for n in 0..<windows {
                            let c = o.baseAddress! + n * outLength * cout
                            if let bias = layer.bias {
                                for r in 0..<outLength { (c + r * cout).update(from: bias, count: cout) }
                            }
                            for j in 0..<layer.kernelSize {
                                gemm(outLength, cout, cin, x.baseAddress! + (n * padded + j * layer.dilation) * cin,
                                     layer.stride * cin, w.baseAddress! + j * cin * cout, cout, c, cout, beta: 1)
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// In-place ReLU, 16 lanes at a time (a branch per element is several times slower).
    static func relu(_ x: inout [Float]) {
        x.withUnsafeMutableBufferPointer { p in
            guard let base = p.baseAddress else { return }
            let n = p.count, vectorEnd = n - n % 16
            let raw = UnsafeMutableRawPointer(base)
            var i = 0
            while i < vectorEnd {
                var v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                v.replace(with: 0, where: v .< 0)
                raw.storeBytes(of: v, toByteOffset: i * 4, as: SIMD16<Float>.self)
                i += 16
            }
            while i < n { if base[i] < 0 { base[i] = 0 }; i += 1 }
        }
    }

    /// Average pooling over time; `same` averages only the in-signal samples.
    static func averagePool(_ layer: AveragePoolingLayer, input: [Float], windows: Int, length: Int, channels: Int) -> [Float] {
        let outLength = layer.outputLength(length)
        let left = layer.leftPad(length)
        var output = [Float](repeating: 0, count: windows * outLength * channels)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                for n in 0..<windows {
                    for t in 0..<outLength {
                        let start = max(t * layer.stride - left, 0)
                        let end = min(t * layer.stride - left + layer.poolSize, length)
                        let out = y.baseAddress! + (n * outLength + t) * channels
                        for s in start..<end {
                            let row = x.baseAddress! + (n * length + s) * channels
                            for c in 0..<channels { out[c] += row[c] }
                        }
                        let scale = 1 / Float(end - start)
                        for c in 0..<channels { out[c] *= scale }
                    }
                }
            }
        }
        return output
    }

    /// Dense on the last axis: `rows` rows of `inFeatures` → `units`.
    static func dense(_ layer: DenseLayer, input: [Float], rows: Int) -> [Float] {
        _ = configureBLAS
        var output = [Float](repeating: 0, count: rows * layer.units)
        output.withUnsafeMutableBufferPointer { y in
            if let bias = layer.bias {
                for r in 0..<rows { (y.baseAddress! + r * layer.units).update(from: bias, count: layer.units) }
            }
            gemm(rows, layer.units, layer.inFeatures, input, layer.inFeatures, layer.kernel, layer.units,
                 y.baseAddress!, layer.units, beta: 1)
        }
        if layer.activation == .relu { relu(&output) }
        return output
    }

    /// Projection `[rows, width] · [width, heads·dim] + bias` for the attention inputs.
    static func project(_ x: [Float], rows: Int, width: Int, kernel: [Float], bias: [Float]?, outWidth: Int) -> [Float] {
        dense(DenseLayer(kernel: kernel, bias: bias, inFeatures: width, units: outWidth, activation: .linear),
              input: x, rows: rows)
    }

    /// Keras 2 MultiHeadAttention: Q scaled by 1/√keyDim after its projection, softmax over keys
    /// (max-subtracted, so saturated logits give exact one-hot weights instead of NaN).
    static func multiHeadAttention(_ layer: MultiHeadAttentionLayer, query: [Float], value: [Float], key: [Float],
                                   windows: Int, queryLength: Int, keyLength: Int) -> [Float] {
        let h = layer.heads, kd = layer.keyDim, vd = layer.valueDim
        var q = project(query, rows: windows * queryLength, width: layer.queryWidth, kernel: layer.queryKernel,
                        bias: layer.queryBias, outWidth: h * kd)
        let scale = 1 / Float(kd).squareRoot()
        for i in q.indices { q[i] *= scale }
        let k = project(key, rows: windows * keyLength, width: layer.keyWidth, kernel: layer.keyKernel,
                        bias: layer.keyBias, outWidth: h * kd)
        let v = project(value, rows: windows * keyLength, width: layer.valueWidth, kernel: layer.valueKernel,
                        bias: layer.valueBias, outWidth: h * vd)
        var context = [Float](repeating: 0, count: windows * queryLength * h * vd)
        var scores = [Float](repeating: 0, count: queryLength * keyLength)
        q.withUnsafeBufferPointer { qp in
            k.withUnsafeBufferPointer { kp in
                v.withUnsafeBufferPointer { vp in
                    context.withUnsafeMutableBufferPointer { cp in
                        scores.withUnsafeMutableBufferPointer { sp in
                            for n in 0..<windows {
                                for head in 0..<h {
                                    let qh = qp.baseAddress! + n * queryLength * h * kd + head * kd
                                    let kh = kp.baseAddress! + n * keyLength * h * kd + head * kd
                                    let vh = vp.baseAddress! + n * keyLength * h * vd + head * vd
                                    gemm(queryLength, keyLength, kd, qh, h * kd, kh, h * kd, sp.baseAddress!, keyLength,
                                         beta: 0, transposeB: true)
                                    for t in 0..<queryLength {
                                        let row = sp.baseAddress! + t * keyLength
                                        var peak = -Float.infinity
                                        for s in 0..<keyLength { peak = max(peak, row[s]) }
                                        var sum: Float = 0
                                        for s in 0..<keyLength {
                                            row[s] = expf(row[s] - peak)
                                            sum += row[s]
                                        }
                                        let inv = 1 / sum
                                        for s in 0..<keyLength { row[s] *= inv }
                                    }
                                    gemm(queryLength, vd, keyLength, sp.baseAddress!, keyLength, vh, h * vd,
                                         cp.baseAddress! + n * queryLength * h * vd + head * vd, h * vd, beta: 0)
                                }
                            }
                        }
                    }
                }
            }
        }
        return project(context, rows: windows * queryLength, width: h * vd, kernel: layer.outputKernel,
                       bias: layer.outputBias, outWidth: layer.outputWidth)
    }

    /// LayerNormalization over the last axis (`channels`), statistics in Float64.
    static func layerNorm(_ layer: LayerNormalizationLayer, input: [Float], rows: Int, channels: Int) -> [Float] {
        var output = input
        for r in 0..<rows {
            let base = r * channels
            var mean = 0.0
            for c in 0..<channels { mean += Double(input[base + c]) }
            mean /= Double(channels)
            var variance = 0.0
            for c in 0..<channels {
                let d = Double(input[base + c]) - mean
                variance += d * d
            }
            variance /= Double(channels)
            let inv = 1 / (variance + Double(layer.epsilon)).squareRoot()
            for c in 0..<channels {
                var y = (Double(input[base + c]) - mean) * inv
                if let g = layer.gamma { y *= Double(g[c]) }
                if let b = layer.beta { y += Double(b[c]) }
                output[base + c] = Float(y)
            }
        }
        return output
    }

    /// Numerically stable softplus, log(1 + eˣ).
    static func softplus(_ x: Float) -> Float {
        let xd = Double(x)
        return Float(max(xd, 0) + log1p(exp(-abs(xd))))
    }
}
