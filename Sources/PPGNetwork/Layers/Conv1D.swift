import Foundation
import PPGCompute
import PPGSignals

/// Padding of a Conv1D or pooling layer, as Keras names it.
public enum Padding: String, Sendable {
    case valid, same, causal
}

/// Conv1D: cross-correlation (no kernel flip),
/// `y[t, o] = b[o] + Σ_j Σ_c W[j, c, o] · xpad[t·stride + j·dilation, g(o)·cg + c]`, where with
/// `groups` > 1 output channel o sees only the cg = inChannels / groups input channels of its
/// group g(o) = o / (outChannels / groups).
public struct Conv1DLayer: Sendable {
    /// Kernel [kernelSize, inChannels / groups, outChannels], row-major (Keras order).
    public var kernel: [Float] { didSet { stridePhases = Self.phases(kernel, kernelSize: kernelSize, stride: stride) } }
    /// With a stride s > 1: per phase φ < s, the taps φ, φ + s, … as one contiguous kernel
    /// (`stridedOrGroupedDirect`); empty otherwise.
    var stridePhases: [[Float]] = []
    /// Bias [outChannels], or nil without bias.
    public var bias: [Float]?
    public var kernelSize: Int
    public var inChannels: Int
    public var outChannels: Int
    public var stride: Int { didSet { stridePhases = Self.phases(kernel, kernelSize: kernelSize, stride: stride) } }
    public var dilation: Int
    public var padding: Padding
    public var activation: Activation
    /// Channel groups (Keras `groups`): 1 is a full convolution.
    public var groups: Int

    public init(kernel: [Float], bias: [Float]?, kernelSize: Int, inChannels: Int, outChannels: Int, stride: Int = 1,
                dilation: Int = 1, padding: Padding, activation: Activation, groups: Int = 1) {
        precondition(groups >= 1 && inChannels % groups == 0 && outChannels % groups == 0, "channels must divide into groups")
        precondition(kernel.count == kernelSize * inChannels / groups * outChannels,
                     "kernel must be [kernelSize, inChannels / groups, outChannels]")
        self.kernel = kernel
        self.bias = bias
        self.kernelSize = kernelSize
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.stride = stride
        self.dilation = dilation
        self.padding = padding
        self.activation = activation
        self.groups = groups
        stridePhases = Self.phases(kernel, kernelSize: kernelSize, stride: stride)
    }

    /// The kernel's taps split by phase for a stride (`stridePhases`).
    static func phases(_ kernel: [Float], kernelSize k: Int, stride s: Int) -> [[Float]] {
        guard s > 1, k > 0 else { return [] }
        let tap = kernel.count / k
        return (0..<min(s, k)).map { phase in Swift.stride(from: phase, to: k, by: s).flatMap { j in kernel[(j * tap)..<((j + 1) * tap)] } }
    }

    /// The layer's time grid (kernel size, dilation, stride, padding).
    public var geometry: ConvGeometry { ConvGeometry(kernelSize: kernelSize, dilation: dilation, stride: stride, padding: padding) }

    /// Zero padding (left, right) in samples for an input of `length` samples.
    public func pads(length: Int) -> (left: Int, right: Int) { geometry.pads(length: length) }

    /// Output length for an input of `length` samples.
    public func outputLength(_ length: Int) -> Int { geometry.outputLength(length) }
}

/// The time grid of a 1-D convolution, as TF computes it: output row t reads padded input rows
/// `t·stride + j·dilation`, j < kernelSize.
public struct ConvGeometry: Sendable, Equatable {
    public var kernelSize: Int
    public var dilation: Int
    public var stride: Int
    public var padding: Padding

    /// Zero padding (left, right) in samples for an input of `length` samples (`same`: the odd
    /// sample on the right, as TF; `causal`: all on the left).
    public func pads(length: Int) -> (left: Int, right: Int) {
        let span = (kernelSize - 1) * dilation
        switch padding {
        case .valid: return (0, 0)
        case .causal: return (span, 0)
        case .same:
            let outLength = (length + stride - 1) / stride
            let total = max((outLength - 1) * stride + span + 1 - length, 0)
            return (total / 2, total - total / 2)
        }
    }

    /// Output length for an input of `length` samples.
    public func outputLength(_ length: Int) -> Int {
        let p = pads(length: length)
        let padded = length + p.left + p.right
        let span = (kernelSize - 1) * dilation
        return padded > span ? (padded - span - 1) / stride + 1 : 0
    }
}

extension Conv1DLayer {
    /// Reads a Keras `Conv1D` call on a `[time, channels]` input: kernel `[kernelSize, inChannels, filters]`,
    /// bias `[filters]`; output `[outLength, filters]`.
    static func fromKeras(_ call: KerasLayerCall) throws -> ParsedLayer {
        let cfg = call.config, name = call.name, inShape = call.inputShape
        try call.requireTime()
        let filters = cfg["filters"]?.int ?? 0
        let k = cfg["kernel_size"]?.intOrFirst ?? 1
        let s = cfg["strides"]?.intOrFirst ?? 1
        let d = cfg["dilation_rate"]?.intOrFirst ?? 1
        let padName = cfg["padding"]?.string ?? "valid"
        guard let padding = Padding(rawValue: padName) else {
            throw PPGScopeError(object: name, "Conv1D padding '\(padName)' is not supported (valid, same, causal)")
        }
        try call.requireChannelsLast()
        let groups = cfg["groups"]?.int ?? 1
        let cin = inShape[1]
        guard filters > 0, k > 0, s > 0, d > 0, groups > 0 else {
            throw PPGScopeError(object: name, "invalid Conv1D hyper-parameters (filters \(filters), kernel_size \(k), strides \(s), dilation_rate \(d), groups \(groups))")
        }
        guard s == 1 || d == 1 else {
            throw PPGScopeError(object: name, "Conv1D strides \(s) with dilation_rate \(d): Keras allows only one of them above 1")
        }
        guard cin % groups == 0, filters % groups == 0 else {
            throw PPGScopeError(object: name, "Conv1D groups \(groups) must divide the input channels (\(cin)) and filters (\(filters))")
        }
        let useBias = cfg["use_bias"]?.bool ?? true
        let conv = Conv1DLayer(
            kernel: try call.weight("kernel", shape: [k, cin / groups, filters])!,
            bias: useBias ? try call.weight("bias", shape: [filters]) : nil,
            kernelSize: k, inChannels: cin, outChannels: filters, stride: s, dilation: d,
            padding: padding, activation: try call.activation(), groups: groups)
        let outT = conv.outputLength(inShape[0])
        guard outT > 0 else { throw PPGScopeError(object: name, "input of \(inShape[0]) samples is shorter than the kernel span") }
        return ParsedLayer(operation: .conv1D(conv), outputShape: [outT, filters], stride: s, fieldGrowth: (k - 1) * d)
    }
}

/// One conv layer's part of an `OverlapContext`: the rows to copy, which windows may copy them,
/// and the layer's output for the window before the batch (streaming).
struct ConvOverlap {
    var reuse: ConvRowReuse
    var windowOverlaps: [Bool]
    var previous: [Float]?
}

extension Conv1DLayer {
    /// The layer with its activation on `[windows, length, inChannels]` → `[windows, outLength, outChannels]`:
    /// the direct AVX-512F kernel or shifted BLAS GEMMs (`backend`), as the forward pass runs it.
    public func forward(_ input: [Float], windows: Int, length: Int, backend: ConvolutionBackend = .preferred) -> [Float] {
        forward(input, windows: windows, length: length, keepPreactivation: false, backend: backend).output
    }

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
    func forward(_ input: [Float], windows: Int, length: Int, keepPreactivation: Bool, overlap: ConvOverlap? = nil,
                 backend: ConvolutionBackend = .preferred) -> (output: [Float], preactivation: [Float]?) {
        let layer = self
        let cin = layer.inChannels, cout = layer.outChannels
        let (left, right) = layer.pads(length: length)
        let padded = length + left + right
        let outLength = layer.outputLength(length)
        let span = (layer.kernelSize - 1) * layer.dilation
        if backend == .direct && ConvolutionBackend.directAvailable && layer.stride == 1 && layer.groups == 1
            && cin <= DirectConvKernel.maxVirtualPaddingChannels {
            return directConv1D(input: input, windows: windows, length: length, leftPad: left, outLength: outLength,
                                keepPreactivation: keepPreactivation, overlap: overlap)
        }
        if backend == .direct && ConvolutionBackend.directAvailable && cin / layer.groups <= DirectConvKernel.maxVirtualPaddingChannels {
            return stridedOrGroupedDirect(input: input, windows: windows, length: length, leftPad: left, outLength: outLength,
                                          keepPreactivation: keepPreactivation)
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
        if cin == 1 && layer.stride == 1 && cout % 16 == 0 && layer.groups == 1 {
            accStride = padded
            acc = directSingleChannel(xpad: xpad, rows: windows * padded - span)
        } else if layer.stride == 1 && layer.groups == 1 {
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
            // Strided or grouped: per window, group and tap, one GEMM whose rows step `stride` input rows.
            accStride = outLength
            let cg = cin / layer.groups, og = cout / layer.groups
            acc = [Float](unsafeUninitializedCapacity: windows * outLength * cout) { _, count in count = windows * outLength * cout }
            layer.kernel.withUnsafeBufferPointer { w in
                xpad.withUnsafeBufferPointer { x in
                    acc.withUnsafeMutableBufferPointer { o in
                        for n in 0..<windows {
                            for g in 0..<layer.groups {
                                for j in 0..<layer.kernelSize {
                                    BLAS.sgemm(outLength, og, cg, x.baseAddress! + (n * padded + j * layer.dilation) * cin + g * cg,
                                               layer.stride * cin, w.baseAddress! + j * cg * cout + g * og, cout,
                                               o.baseAddress! + n * outLength * cout + g * og, cout, beta: j == 0 ? 0 : 1)
                                }
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
                        Self.addBias(a.baseAddress! + n * accStride * cout, b.baseAddress!, into: out.baseAddress! + n * outLength * cout,
                                rows: outLength, channels: cout, relu: relu)
                    }
                }
            }
            count = total
        }
        guard keepPreactivation || (layer.activation != .relu && layer.activation != .linear) else { return (output, nil) }
        let preactivation = keepPreactivation ? output : nil
        layer.activation.applyInPlace(&output)
        return (output, preactivation)
    }

    /// Stride-1 Conv1D with the direct AVX-512F kernel, one window at a time straight from the
    /// unpadded input into the output (the padding is virtual), bias and ReLU fused (other
    /// activations are applied after the kernel). For a single
    /// window (streaming) the rows of a large layer are split between the calling thread and
    /// `TileSharingWorker`. Rows that `overlap` allows are copied from the window before.
    func directConv1D(input: [Float], windows: Int, length: Int, leftPad: Int, outLength: Int,
                      keepPreactivation: Bool, overlap: ConvOverlap? = nil) -> (output: [Float], preactivation: [Float]?) {
        let layer = self
        let cin = layer.inChannels, cout = layer.outChannels, k = layer.kernelSize, d = layer.dilation
        let total = windows * outLength * cout
        let fuseReLU = layer.activation == .relu && !keepPreactivation
        // The window before the batch holds activated outputs: usable only when this buffer holds
        // them too (linear, or ReLU fused), not pre-activations.
        let holdsOutputs = layer.activation == .linear || fuseReLU
        let previous = holdsOutputs ? overlap?.previous.flatMap { $0.count == outLength * cout ? $0 : nil } : nil
        var output = [Float](unsafeUninitializedCapacity: total) { out, count in
            let y = out.baseAddress!
            let before = previous ?? []
            input.withUnsafeBufferPointer { x in before.withUnsafeBufferPointer { before in layer.kernel.withUnsafeBufferPointer { w in
                func run(_ bias: UnsafePointer<Float>?) {
                    // A pointwise conv (kernel size 1, no padding) is one matrix product over every
                    // window's rows: one kernel call for the batch, not one per window.
                    if k == 1 && leftPad == 0 && outLength == length && overlap == nil && windows > 1 {
                        let call = ConvKernelCall(
                            x: x.baseAddress!, inChannels: cin, inputStride: cin, leftPad: 0, inputRows: windows * length,
                            w: w.baseAddress!, weightStride: cout, kernelSize: 1, dilation: 1, bias: bias,
                            outChannels: cout, relu: fuseReLU, y: y, outputStride: cout)
                        DirectConvKernel.run(call, rows: 0..<(windows * length))
                        return
                    }
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
                            let blocks = Self.rowBlocks([head, tail].filter { !$0.isEmpty },
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
        guard keepPreactivation || (layer.activation != .relu && layer.activation != .linear) else { return (output, nil) }
        let preactivation = keepPreactivation ? output : nil
        layer.activation.applyInPlace(&output)
        return (output, preactivation)
    }

    /// Strided or grouped Conv1D with the direct kernel (padding virtual, no copies of the input).
    ///
    /// A stride s splits the kernel by phase: tap j = q·s + φ of output row r reads input row
    /// (r + q)·s + φ − left, i.e. row r + q + a of the phase-b rows x[p·s + b], where
    /// φ − left = a·s + b (0 ≤ b < s). Each phase is then a stride-1 conv over every s-th input row
    /// with the taps j ≡ φ (mod s), and the phases are summed (the kernel's `accumulate`). Each group
    /// reads its own input channels and writes its own output channels of the same rows.
    func stridedOrGroupedDirect(input: [Float], windows: Int, length: Int, leftPad: Int, outLength: Int,
                                keepPreactivation: Bool) -> (output: [Float], preactivation: [Float]?) {
        let cin = inChannels, cout = outChannels, s = stride
        let cg = cin / groups, og = cout / groups
        // Per phase φ: its taps φ, φ + s, … as a contiguous [taps, cg, cout] kernel.
        let phases: [[Float]] = s == 1 ? [kernel] : stridePhases
        let fuseReLU = activation == .relu && !keepPreactivation && phases.count == 1
        var output = [Float](repeating: 0, count: windows * outLength * cout)
        output.withUnsafeMutableBufferPointer { out in input.withUnsafeBufferPointer { x in
            let biasCopy = bias ?? []
            biasCopy.withUnsafeBufferPointer { b in
                for (phase, weights) in phases.enumerated() {
                    let shifted = phase - leftPad
                    let a = shifted >= 0 ? shifted / s : -((-shifted + s - 1) / s), first = shifted - a * s
                    let rows = length > first ? (length - first + s - 1) / s : 0
                    guard rows > 0 || phase == 0 else { continue }
                    weights.withUnsafeBufferPointer { w in
                        for n in 0..<windows {
                            for g in 0..<groups {
                                let call = ConvKernelCall(
                                    x: x.baseAddress! + (n * length + first) * cin + g * cg, inChannels: cg, inputStride: s * cin,
                                    leftPad: -a, inputRows: rows, w: w.baseAddress! + g * og, weightStride: cout,
                                    kernelSize: weights.count / (cg * cout), dilation: s == 1 ? dilation : 1,
                                    bias: phase == 0 && bias != nil ? b.baseAddress! + g * og : nil, outChannels: og, relu: fuseReLU,
                                    accumulate: phase > 0, y: out.baseAddress! + n * outLength * cout + g * og, outputStride: cout)
                                DirectConvKernel.run(call, rows: 0..<outLength)
                            }
                        }
                    }
                }
            }
        } }
        guard keepPreactivation || !(fuseReLU || activation == .linear) else { return (output, nil) }
        let preactivation = keepPreactivation ? output : nil
        activation.applyInPlace(&output)
        return (output, preactivation)
    }

    /// Row blocks of a single-window layer for `TileSharingWorker`, in whole register tiles: two
    /// outer blocks of 35 % (the caller's first claim from the front, the worker's from the back)
    /// and two middle blocks of 15 % for whichever thread is free first. Few claims, and the
    /// worker, which starts a little later, still ends with the caller. Measured on the conv
    /// blocks of one KID-PPG window (`ppgscope bench --only "of which the conv"`): 0.0730–0.0740 ms,
    /// against 0.0742–0.0748 with ten equal blocks and 0.083 with 45/10/45.
    static func rowBlocks(_ rows: Int, registerRows: Int) -> [Range<Int>] {
        Self.rowBlocks([0..<rows], registerRows: registerRows)
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
            for block in Swift.stride(from: 0, to: channels, by: 16) {
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
    func directSingleChannel(xpad: [Float], rows: Int) -> [Float] {
        let layer = self
        let cout = layer.outChannels, k = layer.kernelSize, d = layer.dilation
        return [Float](unsafeUninitializedCapacity: rows * cout) { out, count in
            xpad.withUnsafeBufferPointer { x in
                layer.kernel.withUnsafeBufferPointer { w in
                    let wRaw = UnsafeRawPointer(w.baseAddress!)
                    let oRaw = UnsafeMutableRawPointer(out.baseAddress!)
                    for block in Swift.stride(from: 0, to: cout, by: 16) {
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
}
