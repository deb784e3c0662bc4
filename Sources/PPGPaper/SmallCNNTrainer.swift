import PPGCompute
import Foundation

/// Fast single-precision loss and gradient of the Section V-C network over a whole batch.
///
/// All buffers are allocated once. Inputs go through the conv layers a chunk at a time (forward, head,
/// backward, so activations stay in cache; weight gradients accumulate over the chunks). A chunk of B inputs
/// is laid out as one tall channels-last matrix of `R = B·(T + K − 1)` rows: each input is preceded by
/// K − 1 zero rows (its causal padding), so a causal conv over the chunk is K shifted GEMMs,
/// `Z[r] = Σ_k H[r − (K−1) + k] · W[k]`, whose rows that fall in a padding slot are garbage and are zeroed.
/// Backward uses the same shifts: `dW[k] = H[k …]ᵀ · dZ` and `dH[k …] += dZ · W[k]ᵀ`.
///
/// With linear conv activations and `collapseLinear`, the two convs followed by global average pooling
/// are a linear functional of the input and are computed exactly from five prefix sums per input:
///
///     pooled[c] = (1/T) Σ_{d=0}^{2K−2} q_d · M[d, c],   q_d = Σ_{u ≤ T−2K+1+d} x[u],
///     M[d, c] = Σ_{k+k'=d} Σ_j W1[k', j] · W2[k, j, c]
///
/// (conv2∘conv1 is one causal conv of 2K − 1 taps; the mean of a causal conv output only loses the last
/// samples of its input). The gradients follow from the chain rule through M.
public final class SmallCNNTrainer {
    public let shape: SmallCNNShape
    public let activation: ConvActivation
    public let maxBatch: Int
    /// Whether the linear network is computed through the composed kernel (exact, much cheaper).
    public let collapsed: Bool
    public let layout: SmallCNNLayout

    private let pad: Int, rowsPerInput: Int, composedTaps: Int
    private let xpad: UnsafeMutablePointer<Float>
    private let xcol: UnsafeMutablePointer<Float>
    private let ones: UnsafeMutablePointer<Float>
    private let scaled: UnsafeMutablePointer<Float>
    private let h1: UnsafeMutablePointer<Float>
    private let h1t: UnsafeMutablePointer<Float>
    private let w2t: UnsafeMutablePointer<Float>
    private let w2r: UnsafeMutablePointer<Float>
    private let z2: UnsafeMutablePointer<Float>
    private let dh1: UnsafeMutablePointer<Float>
    private let pooled: UnsafeMutablePointer<Float>
    private let dpooled: UnsafeMutablePointer<Float>
    private let aPre: UnsafeMutablePointer<Float>
    private let daPre: UnsafeMutablePointer<Float>
    private let logits: UnsafeMutablePointer<Float>
    private let dlogits: UnsafeMutablePointer<Float>
    private let prefix: UnsafeMutablePointer<Float>
    private let composed: UnsafeMutablePointer<Float>
    private let dComposed: UnsafeMutablePointer<Float>
    private let bufferRows: Int
    /// Inputs per forward/backward chunk. Two inputs (516 rows) keep the activations in L1/L2 and the GEMMs
    /// small enough (M·N·K < 100³) for OpenBLAS' unpacked small-matrix kernels, about 25 % faster than 8 or 64;
    /// with the direct kernel 2, 4 and 8 inputs measured 9.82, 9.77 and 9.97 s per repetition.
    private let chunk: Int
    /// Whether the conv products run on ppgscope's direct AVX-512F kernel (CKernels) instead of
    /// OpenBLAS: a repetition of `ppgscope paper dc-training` on one core took 12.3 s with OpenBLAS and
    /// 9.8 s with the direct kernel (and vectorised masks).
    private let useDirectKernel: Bool

    public init(shape: SmallCNNShape, activation: ConvActivation, maxBatch: Int, collapseLinear: Bool = true,
                chunkSize: Int = 2, directKernel: Bool = true) {
        precondition(maxBatch > 0 && shape.length >= 2 * shape.kernel - 1)
        useDirectKernel = directKernel && DirectConvKernel.isAvailable && shape.filters <= DirectConvKernel.maxVirtualPaddingChannels
        self.shape = shape
        self.activation = activation
        self.maxBatch = maxBatch
        self.collapsed = collapseLinear && activation == .linear
        layout = shape.layout
        pad = shape.kernel - 1
        rowsPerInput = shape.length + pad
        composedTaps = 2 * shape.kernel - 1
        chunk = min(maxBatch, max(1, chunkSize))
        bufferRows = collapsed ? 0 : chunk * rowsPerInput
        func buffer(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
            p.initialize(repeating: 0, count: max(n, 1))
            return p
        }
        let C = shape.filters
        xpad = buffer(bufferRows)
        xcol = buffer(bufferRows * shape.kernel)
        ones = buffer(shape.length)
        ones.update(repeating: 1, count: shape.length)
        scaled = buffer(C)
        h1 = buffer(bufferRows * C)
        h1t = buffer(bufferRows * C)
        w2t = buffer(shape.kernel * C * C)
        w2r = buffer(shape.kernel * C * C)
        z2 = buffer(bufferRows * C)
        dh1 = buffer(bufferRows * C)
        pooled = buffer(maxBatch * C)
        dpooled = buffer(maxBatch * C)
        aPre = buffer(maxBatch * shape.hidden)
        daPre = buffer(maxBatch * shape.hidden)
        logits = buffer(maxBatch * shape.classes)
        dlogits = buffer(shape.classes)
        prefix = buffer(maxBatch * composedTaps)
        composed = buffer(composedTaps * C)
        dComposed = buffer(composedTaps * C)
    }

    deinit {
        for p in [xpad, xcol, ones, scaled, h1, h1t, w2t, w2r, z2, dh1, pooled, dpooled, aPre, daPre, logits, dlogits, prefix, composed, dComposed] { p.deallocate() }
    }

    /// Mean cross-entropy of the batch; writes d(loss)/d(parameters) into `gradient` (layout order,
    /// `layout.count` values). `parameters` is `[layout.count]`, `inputs` `[batch, T]`, `labels` `[batch]`.
    public func lossAndGradient(parameters: [Float], inputs: [Float], labels: [Int32], batch: Int,
                                gradient: inout [Float]) -> Double {
        precondition(parameters.count == layout.count && gradient.count == layout.count
                     && inputs.count >= batch * shape.length && labels.count >= batch)
        return parameters.withUnsafeBufferPointer { w in
            inputs.withUnsafeBufferPointer { x in
                labels.withUnsafeBufferPointer { y in
                    gradient.withUnsafeMutableBufferPointer { g in
                        lossAndGradient(parameters: w.baseAddress!, inputs: x.baseAddress!, labels: y.baseAddress!,
                                        batch: batch, gradient: g.baseAddress!)
                    }
                }
            }
        }
    }

    /// As `lossAndGradient(parameters:inputs:labels:batch:gradient:)` on raw buffers: the training loop's
    /// path (no copies per batch).
    func lossAndGradient(parameters: UnsafePointer<Float>, inputs: UnsafePointer<Float>,
                                labels: UnsafePointer<Int32>, batch: Int, gradient: UnsafeMutablePointer<Float>) -> Double {
        precondition(batch > 0 && batch <= maxBatch)
        if collapsed {
            gradient.update(repeating: 0, count: layout.count)
            collapsedForward(parameters, inputs, batch)
            let loss = head(parameters, labels, batch, first: 0, count: batch, gradient: gradient)
            collapsedBackward(parameters, batch, gradient)
            return loss
        }
        return partialLossAndGradient(parameters: parameters, inputs: inputs, labels: labels, batch: batch, part: 0..<batch,
                                      gradient: gradient)
    }

    /// The share of inputs `part` of a batch of `batch` in the batch's mean cross-entropy and in its
    /// gradient (written into `gradient`): the parts of a batch add up to `lossAndGradient`, so
    /// two trainers can take one half each. Conv path only (not `collapsed`); `inputs` and
    /// `labels` are the whole batch's.
    func partialLossAndGradient(parameters: UnsafePointer<Float>, inputs: UnsafePointer<Float>,
                                       labels: UnsafePointer<Int32>, batch: Int, part: Range<Int>,
                                       gradient: UnsafeMutablePointer<Float>) -> Double {
        precondition(!collapsed && batch > 0 && batch <= maxBatch && part.lowerBound >= 0 && part.upperBound <= batch)
        gradient.update(repeating: 0, count: layout.count)
        // Inputs are independent until the weight gradients, so each chunk goes forward and back while its
        // activations are still in cache.
        transposeConv2(parameters)
        var loss = 0.0
        var first = part.lowerBound
        while first < part.upperBound {
            let count = min(chunk, part.upperBound - first)
            directForward(parameters, inputs + first * shape.length, first: first, count: count)
            loss += head(parameters, labels, batch, first: first, count: count, gradient: gradient)
            directBackward(first: first, count: count, gradient)
            first += count
        }
        return loss
    }

    /// Logits `[batch, Q]` of the batch (forward only); `inputs` is `[batch, T]`.
    func logits(parameters: UnsafePointer<Float>, inputs: UnsafePointer<Float>, batch: Int) -> [Float] {
        precondition(batch > 0 && batch <= maxBatch)
        if collapsed {
            collapsedForward(parameters, inputs, batch)
        } else {
            var first = 0
            while first < batch {
                let count = min(chunk, batch - first)
                directForward(parameters, inputs + first * shape.length, first: first, count: count)
                first += count
            }
        }
        head(parameters, nil, batch, first: 0, count: batch, gradient: nil)
        return Array(UnsafeBufferPointer(start: logits, count: batch * shape.classes))
    }

    // MARK: Direct path (shifted GEMMs), one cache-sized chunk of inputs at a time

    /// Forward of the conv part for `count` inputs starting at `x`; writes `pooled[first ..< first + count]`.
    private func directForward(_ w: UnsafePointer<Float>, _ x: UnsafePointer<Float>, first: Int, count: Int) {
        let T = shape.length, C = shape.filters, K = shape.kernel, S = rowsPerInput, P = pad
        let R = count * S, M = R - P
        let W1 = w + layout.conv1.lowerBound, W2 = w + layout.conv2.lowerBound
        for b in 0..<count {
            (xpad + b * S).update(repeating: 0, count: P)
            (xpad + b * S + P).update(from: x + b * T, count: T)
        }
        let relu = activation == .relu
        if useDirectKernel {
            // Both convs with ppgscope's direct kernel, ReLU fused: conv1 reads the one-channel padded
            // input as it is, conv2 the chunk's padded rows of h1.
            DirectConvKernel.run(convCall(x: xpad, channels: 1, rows: R, kernel: W1, y: h1 + P * C, relu: relu), rows: 0..<M)
            zeroPaddingRows(h1, count)
            DirectConvKernel.run(convCall(x: h1, channels: C, rows: R, kernel: W2, y: z2 + P * C, relu: relu), rows: 0..<M)
        } else {
            // im2col of the one-channel input: row r holds xpad[r − (K−1) …r].
            for r in P..<R { (xcol + r * K).update(from: xpad + r - P, count: K) }
            // conv1: [M × K] · [K × C].
            BLAS.sgemm(M, C, K, xcol + P * K, K, W1, C, h1 + P * C, C, beta: 0)
            if activation == .relu {
                reluInPlace(h1 + P * C, M * C)
            }
            zeroPaddingRows(h1, count)
            // conv2: K shifted GEMMs over the chunk's padded rows (inner dimension C).
            for k in 0..<K {
                BLAS.sgemm(M, C, C, h1 + k * C, C, W2 + k * C * C, C, z2 + P * C, C, beta: k == 0 ? 0 : 1)
            }
            if activation == .relu { reluInPlace(z2 + P * C, M * C) }
        }
        // Global average pooling: pooled[b, :] = (1/T) · Z2_bᵀ · 1.
        for b in 0..<count {
            BLAS.gemvTransposed(T, C, z2 + (b * S + P) * C, C, ones, 1, beta: 0, pooled + (first + b) * C,
                                alpha: 1 / Float(T))
        }
    }

    /// Backward of the conv part for the chunk last run forward; adds into the conv kernels' gradients.
    private func directBackward(first: Int, count: Int, _ g: UnsafeMutablePointer<Float>) {
        let T = shape.length, C = shape.filters, K = shape.kernel, S = rowsPerInput, P = pad
        let R = count * S, M = R - P
        // dZ2 in place of Z2: dpooled/T, masked by relu'(z2) (z2 > 0 ⇔ relu(z2) > 0); padding rows 0.
        let scale = 1 / Float(T)
        for b in 0..<count {
            (z2 + b * S * C).update(repeating: 0, count: P * C)
            for c in 0..<C { scaled[c] = dpooled[(first + b) * C + c] * scale }
            broadcastRows(z2 + (b * S + P) * C, rows: T, masked: activation == .relu)
        }
        let dZ = UnsafePointer(z2 + P * C)
        // dW2[k] += H1[k …]ᵀ · dZ2, with H1ᵀ stored explicitly ([C × R]): the direct kernel reduces along
        // its input rows, and OpenBLAS takes its unpacked small-matrix path for these 32 × 32 × M products.
        BLAS.transpose(R, C, h1, C, h1t, R)
        if useDirectKernel {
            // dW2[k][i, :] += Σ_r H1ᵀ[i, k + r] · dZ2[r, :]: a product with M-long rows, accumulated.
            for k in 0..<K {
                let product = ConvKernelCall(
                    x: h1t + k, inChannels: M, inputStride: R, leftPad: 0, inputRows: C,
                    w: dZ, weightStride: C, kernelSize: 1, dilation: 1, bias: nil, outChannels: C,
                    relu: false, accumulate: true, y: g + layout.conv2.lowerBound + k * C * C, outputStride: C)
                DirectConvKernel.run(product, rows: 0..<C)
            }
            // dH1[s] = Σ_j dZ2pad[s + j] · W2[K−1−j]ᵀ over all R rows: a conv of the padded dZ2 (z2, whose
            // padding rows are 0) with the transposed kernel in reverse tap order; rows past R read as 0.
            DirectConvKernel.run(convCall(x: z2, channels: C, rows: R, kernel: w2r, y: dh1, relu: false), rows: 0..<R)
        } else {
            for k in 0..<K {
                BLAS.sgemm(C, C, M, h1t + k, R, dZ, C, g + layout.conv2.lowerBound + k * C * C, C, beta: 1)
            }
            // dH1[k …] += dZ2 · W2[k]ᵀ, with W2[k]ᵀ stored explicitly (again for the unpacked small-matrix path).
            (dh1 + M * C).update(repeating: 0, count: P * C)
            for k in 0..<K {
                BLAS.sgemm(M, C, C, dZ, C, w2t + k * C * C, C, dh1 + k * C, C, beta: k == 0 ? 0 : 1)
            }
        }
        // dZ1 = dH1 · act'(z1): with ReLU the padding rows of h1 are 0 and mask themselves.
        if activation == .relu {
            maskInPlace(dh1 + P * C, by: h1 + P * C, M * C)
        } else {
            zeroPaddingRows(dh1, count)
        }
        // dW1[k, :] += dZ1ᵀ · xpad[k …] (a GEMV per tap; OpenBLAS' packed GEMM path is slow for K × C outputs).
        for k in 0..<K {
            BLAS.gemvTransposed(M, C, dh1 + P * C, C, xpad + k, 1, beta: 1, g + layout.conv1.lowerBound + k * C)
        }
    }

    /// w2t[k] = W2[k]ᵀ for the dH1 products, and w2r[j] = W2[K−1−j]ᵀ for the direct kernel.
    private func transposeConv2(_ w: UnsafePointer<Float>) {
        let C = shape.filters, K = shape.kernel, W2 = w + layout.conv2.lowerBound
        for k in 0..<K {
            for i in 0..<C { for o in 0..<C { w2t[(k * C + o) * C + i] = W2[(k * C + i) * C + o] } }
        }
        for j in 0..<K { (w2r + j * C * C).update(from: w2t + (K - 1 - j) * C * C, count: C * C) }
    }

    /// A stride-1, dilation-1 conv of the chunk's `rows` rows of `channels` channels (padding
    /// stored in the rows themselves) with a [K, channels, C] kernel, C outputs per row.
    private func convCall(x: UnsafePointer<Float>, channels: Int, rows: Int, kernel: UnsafePointer<Float>,
                          y: UnsafeMutablePointer<Float>, relu: Bool) -> ConvKernelCall {
        let C = shape.filters
        return ConvKernelCall(x: x, inChannels: channels, inputStride: channels, leftPad: 0, inputRows: rows, w: kernel,
                              weightStride: C, kernelSize: shape.kernel, dilation: 1, bias: nil, outChannels: C, relu: relu,
                              y: y, outputStride: C)
    }

    private func zeroPaddingRows(_ p: UnsafeMutablePointer<Float>, _ count: Int) {
        let C = shape.filters
        for b in 0..<count { (p + b * rowsPerInput * C).update(repeating: 0, count: pad * C) }
    }

    /// p[i] = max(p[i], 0). Plain loops: the optimiser vectorises them, and debug builds stay usable.
    private func reluInPlace(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { p[i] = max(p[i], 0) }
    }

    /// p[i] = 0 where by[i] ≤ 0 (16 lanes at a time: the scalar select loop was 10 % of a training run).
    private func maskInPlace(_ p: UnsafeMutablePointer<Float>, by: UnsafePointer<Float>, _ n: Int) {
        maskedCopy(p, into: p, where: by, n)
    }

    /// Each of `rows` rows of width C becomes `scaled` (masked where the row was ≤ 0, if `masked`).
    private func broadcastRows(_ p: UnsafeMutablePointer<Float>, rows: Int, masked: Bool) {
        let C = shape.filters, source = UnsafePointer(scaled)
        for r in 0..<rows {
            let row = p + r * C
            if masked {
                maskedCopy(source, into: row, where: row, C)
            } else {
                row.update(from: source, count: C)
            }
        }
    }

    /// dst[i] = src[i] where by[i] > 0, else 0 (`by` may be `dst`).
    @inline(__always)
    private func maskedCopy(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, where by: UnsafePointer<Float>, _ n: Int) {
        let sr = UnsafeRawPointer(src), dr = UnsafeMutableRawPointer(dst), br = UnsafeRawPointer(by)
        var i = 0
        while i + 16 <= n {
            var v = sr.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            v.replace(with: 0, where: br.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) .<= 0)
            dr.storeBytes(of: v, toByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        while i < n { dst[i] = by[i] > 0 ? src[i] : 0; i += 1 }
    }

    // MARK: Collapsed linear path

    private func collapsedForward(_ w: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ batch: Int) {
        let T = shape.length, C = shape.filters, K = shape.kernel, D = composedTaps
        let W1 = w + layout.conv1.lowerBound, W2 = w + layout.conv2.lowerBound
        // Prefix sums q_d = Σ_{u ≤ T − 2K + 1 + d} x[u], accumulated in Double.
        for b in 0..<batch {
            let row = x + b * T
            var sum = 0.0
            let first = T - 2 * K + 1
            for u in 0..<first { sum += Double(row[u]) }
            for d in 0..<D {
                sum += Double(row[first + d])
                prefix[b * D + d] = Float(sum)
            }
        }
        // Composed kernel M[d, c] = Σ_{k+k'=d} Σ_j W1[k', j] W2[k, j, c].
        composed.update(repeating: 0, count: D * C)
        for k in 0..<K {
            for kp in 0..<K {
                let out = composed + (k + kp) * C
                for j in 0..<C {
                    let a = W1[kp * C + j]
                    let row = W2 + (k * C + j) * C
                    for c in 0..<C { out[c] += a * row[c] }
                }
            }
        }
        let scale = 1 / Float(T)
        for b in 0..<batch {
            let out = pooled + b * C
            out.update(repeating: 0, count: C)
            for d in 0..<D {
                let q = prefix[b * D + d] * scale
                let m = composed + d * C
                for c in 0..<C { out[c] += q * m[c] }
            }
        }
    }

    private func collapsedBackward(_ w: UnsafePointer<Float>, _ batch: Int, _ g: UnsafeMutablePointer<Float>) {
        let T = shape.length, C = shape.filters, K = shape.kernel, D = composedTaps
        let W1 = w + layout.conv1.lowerBound, W2 = w + layout.conv2.lowerBound
        let G1 = g + layout.conv1.lowerBound, G2 = g + layout.conv2.lowerBound
        // dM[d, c] = (1/T) Σ_b q[b, d] dpooled[b, c].
        dComposed.update(repeating: 0, count: D * C)
        let scale = 1 / Float(T)
        for b in 0..<batch {
            let dp = dpooled + b * C
            for d in 0..<D {
                let q = prefix[b * D + d] * scale
                let out = dComposed + d * C
                for c in 0..<C { out[c] += q * dp[c] }
            }
        }
        for k in 0..<K {
            for kp in 0..<K {
                let dm = dComposed + (k + kp) * C
                for j in 0..<C {
                    let a = W1[kp * C + j]
                    let row = W2 + (k * C + j) * C
                    let grow = G2 + (k * C + j) * C
                    var s: Float = 0
                    for c in 0..<C {
                        grow[c] += a * dm[c]      // dW2[k, j, c] += W1[k', j] dM[k+k', c]
                        s += row[c] * dm[c]       // dW1[k', j]   += Σ_c W2[k, j, c] dM[k+k', c]
                    }
                    G1[kp * C + j] += s
                }
            }
        }
    }

    // MARK: Head: Dense(H, relu) → Dense(Q) → softmax cross-entropy

    @discardableResult
    /// Forward from `pooled` for inputs `first ..< first + count` of a batch of `batch`; with `labels`, also
    /// their share of the mean loss, the dense gradients and `dpooled`.
    private func head(_ w: UnsafePointer<Float>, _ labels: UnsafePointer<Int32>?, _ batch: Int, first: Int, count: Int,
                      gradient g: UnsafeMutablePointer<Float>?) -> Double {
        let C = shape.filters, H = shape.hidden, Q = shape.classes
        let D1 = w + layout.dense1.lowerBound, B1 = w + layout.bias1.lowerBound
        let D2 = w + layout.dense2.lowerBound, B2 = w + layout.bias2.lowerBound
        for b in first..<(first + count) {
            let a = aPre + b * H
            a.update(from: B1, count: H)
            let p = pooled + b * C
            for c in 0..<C {
                let pc = p[c]
                let row = D1 + c * H
                for h in 0..<H { a[h] += pc * row[h] }
            }
            let l = logits + b * Q
            l.update(from: B2, count: Q)
            for h in 0..<H where a[h] > 0 {
                let row = D2 + h * Q
                for q in 0..<Q { l[q] += a[h] * row[q] }
            }
        }
        guard let labels, let g else { return 0 }
        let G1 = g + layout.dense1.lowerBound, GB1 = g + layout.bias1.lowerBound
        let G2 = g + layout.dense2.lowerBound, GB2 = g + layout.bias2.lowerBound
        var total = 0.0
        let invB = 1 / Float(batch)
        let dl = dlogits
        for b in first..<(first + count) {
            let l = logits + b * Q
            var peak = l[0]
            for q in 1..<Q { peak = max(peak, l[q]) }
            var sum: Float = 0
            for q in 0..<Q { dl[q] = expf(l[q] - peak); sum += dl[q] }
            let y = Int(labels[b])
            total += Double(peak) + Double(logf(sum)) - Double(l[y])
            for q in 0..<Q { dl[q] = (dl[q] / sum - (q == y ? 1 : 0)) * invB }
            for q in 0..<Q { GB2[q] += dl[q] }
            let a = aPre + b * H, da = daPre + b * H
            for h in 0..<H {
                if a[h] > 0 {
                    let row = D2 + h * Q, grow = G2 + h * Q
                    var s: Float = 0
                    for q in 0..<Q { grow[q] += a[h] * dl[q]; s += dl[q] * row[q] }
                    da[h] = s
                } else {
                    da[h] = 0
                }
                GB1[h] += da[h]
            }
            let p = pooled + b * C, dp = dpooled + b * C
            for c in 0..<C {
                let row = D1 + c * H, grow = G1 + c * H
                let pc = p[c]
                var s: Float = 0
                for h in 0..<H { grow[h] += pc * da[h]; s += da[h] * row[h] }
                dp[c] = s
            }
        }
        return total / Double(batch)
    }
}
