import Foundation
import PPGCompute

/// How Conv1D layers are computed. `direct` is ppgscope's AVX-512F register-tiled kernel
/// (CKernels), `blas` is `kernelSize` shifted OpenBLAS GEMMs; `ppgscope bench --only conv` measures
/// both on every KID-PPG layer shape (here the direct kernel was 1.2–1.5× faster, 5× on the
/// single-input-channel first layer).
public enum ConvolutionBackend: String, Sendable, CaseIterable {
    case direct, blas

    /// Whether this CPU runs the direct kernels (AVX-512F).
    public static let directAvailable = DirectConvKernel.isAvailable

    /// The backend the forward pass uses: `direct` where the CPU has AVX-512F, else `blas`.
    public static let preferred: ConvolutionBackend = directAvailable ? .direct : .blas
}

/// Compute kernels for one batch of windows. Inputs and outputs are row-major
/// `[windows, time, channels]` (or `[windows, features]`) buffers; the direct AVX-512F kernel
/// (`ConvolutionBackend`) or BLAS does the multiplies.
/// One conv layer's part of an `OverlapContext`: the rows to copy, which windows may copy them,
/// and the layer's output for the window before the batch (streaming).
struct ConvOverlap {
    var reuse: ConvRowReuse
    var windowOverlaps: [Bool]
    var previous: [Float]?
}

enum Kernels {
    /// Conv1D over `windows` windows of `length` samples → `[windows, outLength, outChannels]`,
    /// activation applied; with `keepPreactivation` also the pre-activation (for taps).
    ///
    /// The dilated kernel is applied as `kernelSize` shifted GEMMs (no zero-inflated kernel); with
    /// stride 1 all windows go through one GEMM per tap over the concatenated padded windows, and
    /// the rows that straddle two windows are dropped. A single input channel (the first layer)
    /// uses a direct SIMD loop instead, where GEMMs with K = 1 would waste most of their time.
    ///
    /// With `overlap` (consecutive overlapping windows, see `OverlapReuse`), the direct kernel
    /// copies the reusable rows of each overlapping window from the window before it instead of
    /// computing them; the BLAS path computes every row.
    static func conv1D(_ layer: Conv1DLayer, input: [Float], windows: Int, length: Int,
                       keepPreactivation: Bool = false, overlap: ConvOverlap? = nil,
                       backend: ConvolutionBackend = .preferred) -> (output: [Float], preactivation: [Float]?) {
        let cin = layer.inChannels, cout = layer.outChannels
        let (left, right) = layer.pads(length: length)
        let padded = length + left + right
        let outLength = layer.outputLength(length)
        let span = (layer.kernelSize - 1) * layer.dilation
        if backend == .direct && ConvolutionBackend.directAvailable && layer.stride == 1
            && cin <= DirectConvKernel.maxVirtualPaddingChannels {
            return directConv1D(layer, input: input, windows: windows, length: length, leftPad: left, outLength: outLength,
                                keepPreactivation: keepPreactivation, overlap: overlap)
        }
        let xpad = [Float](unsafeUninitializedCapacity: windows * padded * cin) { buf, count in
            let base = buf.baseAddress!
            input.withUnsafeBufferPointer { src in
                for n in 0..<windows {
                    let row = base + n * padded * cin
                    row.initialize(repeating: 0, count: left * cin)
                    (row + left * cin).initialize(from: src.baseAddress! + n * length * cin, count: length * cin)
                    (row + (left + length) * cin).initialize(repeating: 0, count: right * cin)
                }
            }
            count = windows * padded * cin
        }
        // Raw sums without bias, row r of window n at acc[(n * accStride + r) * cout].
        let accStride: Int
        var acc: [Float]
        if cin == 1 && layer.stride == 1 && cout % 16 == 0 {
            accStride = padded
            acc = directSingleChannel(layer, xpad: xpad, rows: windows * padded - span)
        } else if layer.stride == 1 {
            accStride = padded
            let rows = windows * padded - span
            acc = [Float](unsafeUninitializedCapacity: rows * cout) { _, count in count = rows * cout }
            layer.kernel.withUnsafeBufferPointer { w in
                xpad.withUnsafeBufferPointer { x in
                    acc.withUnsafeMutableBufferPointer { c in
                        let (wp, xp, cp) = (w.baseAddress!, x.baseAddress!, c.baseAddress!)
                        let shiftedGEMMs = { (first: Int, count: Int) in
                            for j in 0..<layer.kernelSize {
                                BLAS.sgemm(count, cout, cin, xp + (first + j * layer.dilation) * cin, cin,
                                     wp + j * cin * cout, cout, cp + first * cout, cout, beta: j == 0 ? 0 : 1)
                            }
                        }
                        if windows == 1 && rows >= 64 {
                            // One window (streaming): blocks of rows shared with a second thread.
                            let tile = (rows + 7) / 8
                            TileSharingWorker.run(tiles: (rows + tile - 1) / tile) { i in
                                shiftedGEMMs(i * tile, min(tile, rows - i * tile))
                            }
                        } else {
                            shiftedGEMMs(0, rows)
                        }
                    }
                }
            }
        } else {
            accStride = outLength
            acc = [Float](unsafeUninitializedCapacity: windows * outLength * cout) { _, count in count = windows * outLength * cout }
            layer.kernel.withUnsafeBufferPointer { w in
                xpad.withUnsafeBufferPointer { x in
                    acc.withUnsafeMutableBufferPointer { o in
                        for n in 0..<windows {
                            for j in 0..<layer.kernelSize {
                                BLAS.sgemm(outLength, cout, cin, x.baseAddress! + (n * padded + j * layer.dilation) * cin,
                                     layer.stride * cin, w.baseAddress! + j * cin * cout, cout,
                                     o.baseAddress! + n * outLength * cout, cout, beta: j == 0 ? 0 : 1)
                            }
                        }
                    }
                }
            }
        }
        // One pass: add the bias and apply the activation (the pre-activation is kept only for taps).
        let total = windows * outLength * cout
        let relu = layer.activation == .relu && !keepPreactivation
        let bias = layer.bias ?? [Float](repeating: 0, count: cout)
        var output = [Float](unsafeUninitializedCapacity: total) { out, count in
            acc.withUnsafeBufferPointer { a in
                bias.withUnsafeBufferPointer { b in
                    for n in 0..<windows {
                        addBias(a.baseAddress! + n * accStride * cout, b.baseAddress!, into: out.baseAddress! + n * outLength * cout,
                                rows: outLength, channels: cout, relu: relu)
                    }
                }
            }
            count = total
        }
        guard keepPreactivation else { return (output, nil) }
        let preactivation = output
        if layer.activation == .relu { Kernels.relu(&output) }
        return (output, preactivation)
    }

    /// Stride-1 Conv1D with the direct AVX-512F kernel, one window at a time straight from the
    /// unpadded input into the output (the padding is virtual), bias and ReLU fused. For a single
    /// window (streaming) the rows of a large layer are split between the calling thread and
    /// `TileSharingWorker`. Rows that `overlap` allows are copied from the window before.
    static func directConv1D(_ layer: Conv1DLayer, input: [Float], windows: Int, length: Int, leftPad: Int, outLength: Int,
                             keepPreactivation: Bool, overlap: ConvOverlap? = nil) -> (output: [Float], preactivation: [Float]?) {
        let cin = layer.inChannels, cout = layer.outChannels, k = layer.kernelSize, d = layer.dilation
        let total = windows * outLength * cout
        let fuseReLU = layer.activation == .relu && !keepPreactivation
        // The window before the batch holds activated outputs: usable unless this buffer is to
        // hold ReLU pre-activations (taps).
        let holdsOutputs = !keepPreactivation || layer.activation != .relu
        let previous = holdsOutputs ? overlap?.previous.flatMap { $0.count == outLength * cout ? $0 : nil } : nil
        var output = [Float](unsafeUninitializedCapacity: total) { out, count in
            let y = out.baseAddress!
            let before = previous ?? []
            input.withUnsafeBufferPointer { x in before.withUnsafeBufferPointer { before in layer.kernel.withUnsafeBufferPointer { w in
                func run(_ bias: UnsafePointer<Float>?) {
                    for n in 0..<windows {
                        let xn = x.baseAddress! + n * length * cin, yn = y + n * outLength * cout
                        let call = ConvKernelCall(
                            x: xn, inChannels: cin, inputStride: cin, leftPad: leftPad, inputRows: length,
                            w: w.baseAddress!, weightStride: cout, kernelSize: k, dilation: d, bias: bias,
                            outChannels: cout, relu: fuseReLU, y: yn, outputStride: cout)
                        // Rows copied from the window before (when it overlaps this one); the rows before and after them are computed.
                        var copied = 0..<0
                        var source: UnsafePointer<Float>? = nil
                        if let overlap, overlap.windowOverlaps[n], overlap.reuse.rows.upperBound + overlap.reuse.shift <= outLength {
                            source = n > 0 ? UnsafePointer(yn - outLength * cout) : (previous != nil ? before.baseAddress : nil)
                            if source != nil { copied = overlap.reuse.rows }
                        }
                        let head = 0..<copied.lowerBound, tail = copied.upperBound..<outLength
                        let computedRows = head.count + tail.count
                        if windows == 1 && computedRows >= 16 && computedRows * cout * cin * k >= 65_536 {
                            let blocks = rowBlocks([head, tail].filter { !$0.isEmpty },
                                                   registerRows: DirectConvKernel.tileRows(outChannels: cout))
                            TileSharingWorker.run(tiles: blocks.count) { i in
                                DirectConvKernel.run(call, rows: blocks[i])
                            }
                        } else {
                            for range in [head, tail] where !range.isEmpty {
                                DirectConvKernel.run(call, rows: range)
                            }
                        }
                        if let source, let overlap, !copied.isEmpty {
                            (yn + copied.lowerBound * cout).update(from: source + (copied.lowerBound + overlap.reuse.shift) * cout,
                                                                   count: copied.count * cout)
                        }
                    }
                }
                if let bias = layer.bias { bias.withUnsafeBufferPointer { run($0.baseAddress!) } } else { run(nil) }
            } } }
            count = total
        }
        guard keepPreactivation else { return (output, nil) }
        let preactivation = output
        if layer.activation == .relu { relu(&output) }
        return (output, preactivation)
    }

    /// Row blocks of a single-window layer for `TileSharingWorker`, in whole register tiles: two
    /// outer blocks of 35 % (the caller's first claim from the front, the worker's from the back)
    /// and two middle blocks of 15 % for whichever thread is free first. Few claims, and the
    /// worker, which starts a little later, still ends with the caller. Measured on the conv
    /// blocks of one KID-PPG window (`ppgscope bench --only "of which the conv"`): 0.0730–0.0740 ms,
    /// against 0.0742–0.0748 with ten equal blocks and 0.083 with 45/10/45.
    static func rowBlocks(_ rows: Int, registerRows: Int) -> [Range<Int>] {
        rowBlocks([0..<rows], registerRows: registerRows)
    }

    /// The same blocks over the concatenation of `ranges` (rows to compute around copied ones),
    /// cut where a block would span two ranges.
    static func rowBlocks(_ ranges: [Range<Int>], registerRows: Int) -> [Range<Int>] {
        let rows = ranges.reduce(0) { $0 + $1.count }
        let units = (rows + registerRows - 1) / registerRows
        let outer = units * 7 / 20, middle = units - 2 * outer
        var virtual: [Range<Int>] = []
        var start = 0
        for size in [outer, middle / 2, middle - middle / 2, outer] where size > 0 {
            let end = min(rows, start + size * registerRows)
            if end > start { virtual.append(start..<end) }
            start = end
        }
        if start < rows { virtual.append(start..<rows) }
        // Virtual row v is row ranges[i].lowerBound + (v − offset of range i).
        var blocks: [Range<Int>] = []
        var offset = 0
        for range in ranges {
            let span = offset..<(offset + range.count)
            for v in virtual where v.overlaps(span) {
                let a = max(v.lowerBound, span.lowerBound), b = min(v.upperBound, span.upperBound)
                blocks.append((range.lowerBound + a - offset)..<(range.lowerBound + b - offset))
            }
            offset += range.count
        }
        return blocks
    }

    /// dst[r, c] = src[r, c] + bias[c], then max(·, 0) when `relu`; 16 lanes at a time when possible.
    @inline(__always)
    static func addBias(_ src: UnsafePointer<Float>, _ bias: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>,
                        rows: Int, channels: Int, relu: Bool) {
        if channels % 16 == 0 {
            let s = UnsafeRawPointer(src), d = UnsafeMutableRawPointer(dst), b = UnsafeRawPointer(bias)
            let zero = SIMD16<Float>(repeating: 0)
            for block in stride(from: 0, to: channels, by: 16) {
                let bv = b.loadUnaligned(fromByteOffset: block * 4, as: SIMD16<Float>.self)
                for r in 0..<rows {
                    let offset = (r * channels + block) * 4
                    var v = s.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self) + bv
                    if relu { v.replace(with: zero, where: v .< zero) }
                    d.storeBytes(of: v, toByteOffset: offset, as: SIMD16<Float>.self)
                }
            }
        } else {
            for r in 0..<rows {
                for c in 0..<channels {
                    let v = src[r * channels + c] + bias[c]
                    dst[r * channels + c] = relu && v < 0 ? 0 : v
                }
            }
        }
    }

    /// Single-input-channel stride-1 conv as a direct loop: row r = Σ_j x[r + j·d] · W[j, :].
    /// `cout` is a multiple of 16.
    static func directSingleChannel(_ layer: Conv1DLayer, xpad: [Float], rows: Int) -> [Float] {
        let cout = layer.outChannels, k = layer.kernelSize, d = layer.dilation
        return [Float](unsafeUninitializedCapacity: rows * cout) { out, count in
            xpad.withUnsafeBufferPointer { x in
                layer.kernel.withUnsafeBufferPointer { w in
                    let wRaw = UnsafeRawPointer(w.baseAddress!)
                    let oRaw = UnsafeMutableRawPointer(out.baseAddress!)
                    for block in stride(from: 0, to: cout, by: 16) {
                        let weights = (0..<k).map { j in wRaw.loadUnaligned(fromByteOffset: (j * cout + block) * 4, as: SIMD16<Float>.self) }
                        for r in 0..<rows {
                            var acc = SIMD16<Float>(repeating: 0)
                            for j in 0..<k { acc += SIMD16<Float>(repeating: x[r + j * d]) * weights[j] }
                            oRaw.storeBytes(of: acc, toByteOffset: (r * cout + block) * 4, as: SIMD16<Float>.self)
                        }
                    }
                }
            }
            count = rows * cout
        }
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
                            for block in stride(from: 0, to: channels, by: 16) {
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

    /// Dense on the last axis: `rows` rows of `inFeatures` → `units`, bias and ReLU fused.
    ///
    /// With the direct backend this is the conv kernel with kernel size 1; otherwise one BLAS GEMM.
    /// One row (streaming) of a large layer is a matrix–vector product bound by reading the
    /// weights: blocks of columns are shared with a second thread, each reading its own weights.
    static func dense(_ layer: DenseLayer, input: [Float], rows: Int, backend: ConvolutionBackend = .preferred) -> [Float] {
        let units = layer.units, width = layer.inFeatures
        let direct = backend == .direct && ConvolutionBackend.directAvailable
        let split = rows == 1 && units >= 128 && width * units >= 65536
        let tile = split ? 64 : units
        var output = [Float](unsafeUninitializedCapacity: rows * units) { y, count in
            let yp = y.baseAddress!
            if !direct {
                for r in 0..<rows {
                    if let bias = layer.bias { (yp + r * units).initialize(from: bias, count: units) } else { (yp + r * units).initialize(repeating: 0, count: units) }
                }
            }
            input.withUnsafeBufferPointer { x in
                layer.kernel.withUnsafeBufferPointer { w in
                    let (xp, wp) = (x.baseAddress!, w.baseAddress!)
                    func columns(_ first: Int, _ count: Int, bias: UnsafePointer<Float>?) {
                        if direct {
                            let call = ConvKernelCall(
                                x: xp, inChannels: width, inputStride: width, leftPad: 0, inputRows: rows,
                                w: wp + first, weightStride: units, kernelSize: 1, dilation: 1, bias: bias.map { $0 + first },
                                outChannels: count, relu: layer.activation == .relu, y: yp + first, outputStride: units)
                            DirectConvKernel.run(call, rows: 0..<rows)
                        } else {
                            BLAS.sgemm(rows, count, width, xp, width, wp + first, units, yp + first, units, beta: 1)
                        }
                    }
                    func run(_ bias: UnsafePointer<Float>?) {
                        TileSharingWorker.run(tiles: (units + tile - 1) / tile) { i in
                            columns(i * tile, min(tile, units - i * tile), bias: bias)
                        }
                    }
                    if let bias = layer.bias { bias.withUnsafeBufferPointer { run($0.baseAddress!) } } else { run(nil) }
                }
            }
            count = rows * units
        }
        if layer.activation == .relu && !direct { relu(&output) }
        return output
    }

    /// Projection `[rows, width] · [width, heads·dim] + bias` for the attention inputs.
    static func project(_ x: [Float], rows: Int, width: Int, kernel: [Float], bias: [Float]?, outWidth: Int) -> [Float] {
        dense(DenseLayer(kernel: kernel, bias: bias, inFeatures: width, units: outWidth, activation: .linear),
              input: x, rows: rows)
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
                                    smallProduct(queryLength, keyLength, kd, qc.baseAddress!, kt.baseAddress!, keyLength,
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
                                    smallProduct(queryLength, vd, keyLength, sp.baseAddress!, vh, h * vd,
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
        return project(context, rows: windows * queryLength, width: h * vd, kernel: layer.outputKernel,
                       bias: layer.outputBias, outWidth: layer.outputWidth)
    }

    /// LayerNormalization over the last axis (`channels`), statistics in Float64.
    static func layerNorm(_ layer: LayerNormalizationLayer, input: [Float], rows: Int, channels: Int) -> [Float] {
        let gamma = layer.gamma ?? [Float](repeating: 1, count: channels)
        let beta = layer.beta ?? [Float](repeating: 0, count: channels)
        return [Float](unsafeUninitializedCapacity: rows * channels) { out, count in
            input.withUnsafeBufferPointer { x in
                gamma.withUnsafeBufferPointer { g in
                    beta.withUnsafeBufferPointer { b in
                        for r in 0..<rows {
                            let row = x.baseAddress! + r * channels, y = out.baseAddress! + r * channels
                            normalizeRow(row, into: y, channels: channels, gamma: g.baseAddress!, beta: b.baseAddress!,
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

    /// Numerically stable softplus, log(1 + eˣ).
    static func softplus(_ x: Float) -> Float {
        let xd = Double(x)
        return Float(max(xd, 0) + log1p(exp(-abs(xd))))
    }
}
