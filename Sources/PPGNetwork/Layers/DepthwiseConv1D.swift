import PPGCompute
import PPGSignals

/// DepthwiseConv1D: each input channel c convolved with its own `depthMultiplier` kernels,
/// `y[t, c·m + k] = b[c·m + k] + Σ_j W[j, c, k] · xpad[t·stride + j·dilation, c]` (m = depthMultiplier).
public struct DepthwiseConv1DLayer: Sendable {
    /// Kernel [kernelSize, inChannels, depthMultiplier], row-major (Keras order): row j is laid out
    /// like an output row.
    public var kernel: [Float]
    /// Bias [inChannels · depthMultiplier], or nil.
    public var bias: [Float]?
    public var kernelSize: Int
    public var inChannels: Int
    public var depthMultiplier: Int
    public var stride: Int
    public var dilation: Int
    public var padding: Padding
    public var activation: Activation

    public var outChannels: Int { inChannels * depthMultiplier }
    public var geometry: ConvGeometry { ConvGeometry(kernelSize: kernelSize, dilation: dilation, stride: stride, padding: padding) }
}

extension DepthwiseConv1DLayer {
    /// Reads a Keras `DepthwiseConv1D` call on `[time, channels]`: depthwise_kernel (Keras 3: kernel)
    /// `[kernelSize, channels, depth_multiplier]`, bias `[channels · depth_multiplier]`.
    static func fromKeras(_ call: KerasLayerCall) throws -> ParsedLayer {
        let layer = try depthwise(call, biasKey: "bias", activation: try call.activation())
        let outT = layer.geometry.outputLength(call.inputShape[0])
        return ParsedLayer(operation: .depthwiseConv1D(layer), outputShape: [outT, layer.outChannels], stride: layer.stride,
                           fieldGrowth: (layer.kernelSize - 1) * layer.dilation)
    }

    /// The depthwise part of a DepthwiseConv1D or SeparableConv1D call (bias read when `biasKey` is given).
    static func depthwise(_ call: KerasLayerCall, biasKey: String?, activation: Activation) throws -> DepthwiseConv1DLayer {
        let cfg = call.config, name = call.name
        try call.requireTime()
        try call.requireChannelsLast()
        let k = cfg["kernel_size"]?.intOrFirst ?? 1
        let s = cfg["strides"]?.intOrFirst ?? 1
        let d = cfg["dilation_rate"]?.intOrFirst ?? 1
        let m = cfg["depth_multiplier"]?.int ?? 1
        let padName = cfg["padding"]?.string ?? "valid"
        guard let padding = Padding(rawValue: padName) else {
            throw PPGScopeError(object: name, "\(call.className) padding '\(padName)' is not supported (valid, same, causal)")
        }
        guard k > 0, s > 0, d > 0, m > 0, s == 1 || d == 1 else {
            throw PPGScopeError(object: name, "invalid \(call.className) hyper-parameters (kernel_size \(k), strides \(s), dilation_rate \(d), depth_multiplier \(m))")
        }
        let cin = call.inputShape[1]
        let useBias = biasKey != nil && (cfg["use_bias"]?.bool ?? true)
        // tf-keras names the depthwise kernel `depthwise_kernel`; Keras 3's DepthwiseConv1D names it `kernel`.
        let separable = call.className == "SeparableConv1D"
        let kernel = try call.weight("depthwise_kernel", shape: [k, cin, m], required: separable)
            ?? call.weight("kernel", shape: [k, cin, m])!
        let layer = DepthwiseConv1DLayer(
            kernel: kernel,
            bias: useBias ? try call.weight(biasKey!, shape: [cin * m]) : nil,
            kernelSize: k, inChannels: cin, depthMultiplier: m, stride: s, dilation: d, padding: padding, activation: activation)
        guard layer.geometry.outputLength(call.inputShape[0]) > 0 else {
            throw PPGScopeError(object: name, "input of \(call.inputShape[0]) samples is shorter than the kernel span")
        }
        return layer
    }

    /// `[windows, length, inChannels]` → `[windows, outLength, outChannels]`, activation applied;
    /// with `keepPreactivation` also the output before the activation.
    func forward(_ input: [Float], windows: Int, length: Int, keepPreactivation: Bool) -> (output: [Float], preactivation: [Float]?) {
        let g = geometry
        let grid = LayerKernels.TimeWindow(windows: windows, length: length, channels: inChannels, outLength: g.outputLength(length),
                                           size: kernelSize, stride: stride, dilation: dilation, left: g.pads(length: length).left)
        var y = LayerKernels.depthwise(input, kernel: kernel, bias: bias, multiplier: depthMultiplier, grid)
            ?? forwardPlain(input, windows: windows, length: length)
        let pre = keepPreactivation ? y : nil
        activation.applyInPlace(&y)
        return (y, pre)
    }

    /// The convolution before the activation, as a plain loop: the kernel's reference, and its
    /// stand-in without AVX-512F.
    func forwardPlain(_ input: [Float], windows: Int, length: Int) -> [Float] {
        let g = geometry
        let outLength = g.outputLength(length), left = g.pads(length: length).left
        let cin = inChannels, m = depthMultiplier, cout = outChannels
        var y = [Float](repeating: 0, count: windows * outLength * cout)
        y.withUnsafeMutableBufferPointer { yb in
            input.withUnsafeBufferPointer { xb in
                kernel.withUnsafeBufferPointer { wb in
                    for n in 0..<windows {
                        for t in 0..<outLength {
                            let out = yb.baseAddress! + (n * outLength + t) * cout
                            if let bias { for o in 0..<cout { out[o] = bias[o] } }
                            for j in 0..<kernelSize {
                                let s = t * stride + j * dilation - left
                                guard s >= 0, s < length else { continue }
                                let x = xb.baseAddress! + (n * length + s) * cin, w = wb.baseAddress! + j * cout
                                if m == 1 {
                                    for c in 0..<cin { out[c] += x[c] * w[c] }
                                } else {
                                    for c in 0..<cin { for k in 0..<m { out[c * m + k] += x[c] * w[c * m + k] } }
                                }
                            }
                        }
                    }
                }
            }
        }
        return y
    }
}

/// SeparableConv1D: a depthwise convolution (no bias) followed by a pointwise (kernel size 1)
/// convolution with bias and activation.
public struct SeparableConv1DLayer: Sendable {
    /// The depthwise part (linear, no bias).
    public var depthwise: DepthwiseConv1DLayer
    /// The pointwise part: kernel `[1, inChannels · depthMultiplier, filters]`, bias, activation.
    public var pointwise: Conv1DLayer
    public var activation: Activation { pointwise.activation }
}

extension SeparableConv1DLayer {
    /// Reads a Keras `SeparableConv1D` call: depthwise_kernel `[k, channels, depth_multiplier]`,
    /// pointwise_kernel `[1, channels · depth_multiplier, filters]`, bias `[filters]`.
    static func fromKeras(_ call: KerasLayerCall) throws -> ParsedLayer {
        let depthwise = try DepthwiseConv1DLayer.depthwise(call, biasKey: nil, activation: .linear)
        let filters = call.config["filters"]?.int ?? 0
        guard filters > 0 else { throw PPGScopeError(object: call.name, "SeparableConv1D filters must be positive") }
        let mid = depthwise.outChannels
        let useBias = call.config["use_bias"]?.bool ?? true
        let pointwise = Conv1DLayer(kernel: try call.weight("pointwise_kernel", shape: [1, mid, filters])!,
                                    bias: useBias ? try call.weight("bias", shape: [filters]) : nil,
                                    kernelSize: 1, inChannels: mid, outChannels: filters, padding: .valid,
                                    activation: try call.activation())
        let outT = depthwise.geometry.outputLength(call.inputShape[0])
        return ParsedLayer(operation: .separableConv1D(SeparableConv1DLayer(depthwise: depthwise, pointwise: pointwise)),
                           outputShape: [outT, filters], stride: depthwise.stride,
                           fieldGrowth: (depthwise.kernelSize - 1) * depthwise.dilation)
    }

    /// `[windows, length, inChannels]` → `[windows, outLength, filters]`, and the pre-activation when asked.
    func forward(_ input: [Float], windows: Int, length: Int, keepPreactivation: Bool) -> (output: [Float], preactivation: [Float]?) {
        let mid = depthwise.forward(input, windows: windows, length: length, keepPreactivation: false).output
        let outLength = depthwise.geometry.outputLength(length)
        return pointwise.forward(mid, windows: windows, length: outLength, keepPreactivation: keepPreactivation)
    }
}
