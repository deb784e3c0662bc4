import PPGCompute
import PPGSignals

/// Dense on the last axis: `y = x · W + b`, W [inFeatures, units].
public struct DenseLayer: Sendable {
    /// Kernel [inFeatures, units], row-major (Keras order).
    public var kernel: [Float]
    /// Bias [units], or nil without bias.
    public var bias: [Float]?
    public var inFeatures: Int
    public var units: Int
    public var activation: Activation

    public init(kernel: [Float], bias: [Float]?, inFeatures: Int, units: Int, activation: Activation) {
        precondition(kernel.count == inFeatures * units, "kernel must be [inFeatures, units]")
        self.kernel = kernel
        self.bias = bias
        self.inFeatures = inFeatures
        self.units = units
        self.activation = activation
    }
}

extension DenseLayer {
    /// Reads a Keras `Dense` call: kernel `[inFeatures, units]`, bias `[units]`; applied to the
    /// last axis, so `[..., inFeatures]` → `[..., units]`.
    static func fromKeras(_ call: KerasLayerCall) throws -> ParsedLayer {
        let cfg = call.config, inShape = call.inputShape
        let units = cfg["units"]?.int ?? 0
        let inF = inShape.last ?? 0
        let useBias = cfg["use_bias"]?.bool ?? true
        let op = LayerOperation.dense(DenseLayer(
            kernel: try call.weight("kernel", shape: [inF, units])!,
            bias: useBias ? try call.weight("bias", shape: [units]) : nil,
            inFeatures: inF, units: units, activation: try call.activation()))
        var outShape = inShape
        outShape[outShape.count - 1] = units
        return ParsedLayer(operation: op, outputShape: outShape, fieldGrowth: inShape.count > 1 ? nil : 0)
    }

    /// The layer with its activation on the last axis: `[rows, inFeatures]` → `[rows, units]`, bias
    /// and ReLU fused (other activations applied after), as the forward pass runs it.
    ///
    /// With the direct backend this is the conv kernel with kernel size 1; otherwise one BLAS GEMM.
    /// One row (streaming) of a large layer is a matrix–vector product bound by reading the
    /// weights: blocks of columns are shared with a second thread, each reading its own weights.
    public func forward(_ input: [Float], rows: Int, backend: ConvolutionBackend = .preferred) -> [Float] {
        forward(input, rows: rows, keepPreactivation: false, backend: backend).output
    }

    /// The layer on `[rows, inFeatures]`, and with `keepPreactivation` also `x · W + b` before the activation (for taps).
    func forward(_ input: [Float], rows: Int, keepPreactivation: Bool,
                 backend: ConvolutionBackend = .preferred) -> (output: [Float], preactivation: [Float]?) {
        let layer = self
        let fuseReLU = layer.activation == .relu && !keepPreactivation
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
                                outChannels: count, relu: fuseReLU, y: yp + first, outputStride: units)
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
        if fuseReLU && direct { return (output, nil) }
        let preactivation = keepPreactivation ? output : nil
        layer.activation.applyInPlace(&output)
        return (output, preactivation)
    }
}
