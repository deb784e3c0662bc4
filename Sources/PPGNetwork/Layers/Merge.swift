import PPGCompute
import PPGSignals

/// Keras' merge layers: element-wise Add, Subtract, Multiply, Average, Maximum and Minimum of
/// inputs of one shape, where an axis of size 1 in one input is repeated to match the others (as
/// Keras broadcasts, e.g. a `[1, channels]` gate times a `[time, channels]` signal).
public struct MergeLayer: Sendable {
    public enum Kind: String, Sendable {
        case add, subtract, multiply, average, maximum, minimum

        var className: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }

        var kernel: LayerKernels.Merge {
            switch self {
            case .add: .add
            case .subtract: .subtract
            case .multiply: .multiply
            case .average: .average
            case .maximum: .maximum
            case .minimum: .minimum
            }
        }
    }

    public var kind: Kind
    /// Number of inputs.
    public var inputs: Int
    /// Per-window shape of each input, and of the output.
    public var inputShapes: [[Int]]
    public var outputShape: [Int]
}

extension MergeLayer {
    /// Reads a Keras merge layer call (two or more inputs; Subtract exactly two).
    static func fromKeras(_ call: KerasLayerCall) throws -> ParsedLayer {
        let name = call.name, shapes = call.inputShapes
        guard let kind = Kind(rawValue: call.className.lowercased()) else {
            throw PPGScopeError(object: name, "merge layer '\(call.className)' is not supported")
        }
        guard shapes.count >= 2, kind != .subtract || shapes.count == 2 else {
            throw PPGScopeError(object: name, "\(call.className) needs \(kind == .subtract ? "exactly two" : "two or more") inputs, found \(shapes.count)")
        }
        guard shapes.allSatisfy({ $0.count == shapes[0].count }) else {
            throw PPGScopeError(object: name, "\(call.className) of inputs of different ranks \(shapes) is not supported")
        }
        var out = shapes[0]
        for s in shapes.dropFirst() {
            for (i, d) in s.enumerated() {
                guard d == out[i] || d == 1 || out[i] == 1 else {
                    throw PPGScopeError(object: name, "\(call.className) cannot combine shapes \(shapes)")
                }
                out[i] = max(out[i], d)
            }
        }
        let layer = MergeLayer(kind: kind, inputs: shapes.count, inputShapes: shapes, outputShape: out)
        return ParsedLayer(operation: .merge(layer), outputShape: out)
    }

    /// Combines `inputs` (each `[windows] + inputShapes[i]`) → `[windows] + outputShape`, in input order
    /// (the sum of an Average is taken left to right, then divided by the number of inputs).
    func forward(_ inputs: [[Float]], windows: Int) -> [Float] {
        if inputShapes.allSatisfy({ $0 == outputShape }), let y = LayerKernels.merge(inputs, kind.kernel) { return y }
        return forwardPlain(inputs, windows: windows)
    }

    /// `forward` as a plain loop (the kernel's reference, its stand-in without AVX-512F, and the
    /// broadcasting case).
    func forwardPlain(_ inputs: [[Float]], windows: Int) -> [Float] {
        let per = outputShape.reduce(1, *)
        var y = [Float](repeating: 0, count: windows * per)
        for (i, x) in inputs.enumerated() {
            let shape = inputShapes[i]
            if shape == outputShape {
                if i == 0 { y = x; continue }
                let kind = self.kind
                y.withUnsafeMutableBufferPointer { yp in x.withUnsafeBufferPointer { xp in
                    switch kind {
                    case .add, .average: for e in 0..<yp.count { yp[e] += xp[e] }
                    case .subtract: for e in 0..<yp.count { yp[e] -= xp[e] }
                    case .multiply: for e in 0..<yp.count { yp[e] *= xp[e] }
                    case .maximum: for e in 0..<yp.count { yp[e] = Swift.max(yp[e], xp[e]) }
                    case .minimum: for e in 0..<yp.count { yp[e] = Swift.min(yp[e], xp[e]) }
                    }
                } }
                continue
            }
            let index = broadcastIndex(from: shape)
            let inPer = shape.reduce(1, *)
            for n in 0..<windows {
                for e in 0..<per {
                    let v = x[n * inPer + index(e)], o = n * per + e
                    if i == 0 { y[o] = v; continue }
                    switch kind {
                    case .add, .average: y[o] += v
                    case .subtract: y[o] -= v
                    case .multiply: y[o] *= v
                    case .maximum: y[o] = Swift.max(y[o], v)
                    case .minimum: y[o] = Swift.min(y[o], v)
                    }
                }
            }
        }
        if kind == .average { let k = Float(inputs.count); for i in y.indices { y[i] /= k } }
        return y
    }

    /// Maps an output element (row-major in `outputShape`) to the element of an input of `shape` it reads.
    func broadcastIndex(from shape: [Int]) -> (Int) -> Int {
        if shape == outputShape { return { $0 } }
        let out = outputShape
        return { e in
            var rest = e, index = 0, inStride = 1
            for a in stride(from: out.count - 1, through: 0, by: -1) {
                let coordinate = rest % out[a]
                rest /= out[a]
                index += (shape[a] == 1 ? 0 : coordinate) * inStride
                inStride *= shape[a]
            }
            return index
        }
    }
}

/// Concatenate: inputs of one shape but along `axis`, joined along it.
public struct ConcatenateLayer: Sendable {
    public enum Axis: Sendable { case time, channels }
    public var axis: Axis
    public var inputShapes: [[Int]]
}

extension ConcatenateLayer {
    /// Reads a Keras `Concatenate` call: `axis` −1 (or the last) joins channels/features, 1 (or −2
    /// of a `[time, channels]` input) joins time.
    static func fromKeras(_ call: KerasLayerCall) throws -> ParsedLayer {
        let name = call.name, shapes = call.inputShapes
        let rank = shapes[0].count
        let raw = call.config["axis"]?.int ?? -1
        let axisIndex = raw < 0 ? rank + raw : raw - 1   // per-window axis (Keras counts the batch axis)
        guard shapes.count >= 2, shapes.allSatisfy({ $0.count == rank }), (0..<rank).contains(axisIndex) else {
            throw PPGScopeError(object: name, "Concatenate axis \(raw) of inputs \(shapes) is not supported")
        }
        for s in shapes {
            for a in 0..<rank where a != axisIndex && s[a] != shapes[0][a] {
                throw PPGScopeError(object: name, "Concatenate on axis \(raw) needs the other axes equal, found \(shapes)")
            }
        }
        var out = shapes[0]
        out[axisIndex] = shapes.reduce(0) { $0 + $1[axisIndex] }
        let axis: Axis = axisIndex == rank - 1 ? .channels : .time
        // Joining along time puts two time grids end to end: no single receptive field.
        return ParsedLayer(operation: .concatenate(ConcatenateLayer(axis: axis, inputShapes: shapes)), outputShape: out,
                           fieldGrowth: axis == .time ? nil : 0)
    }

    /// Joins `inputs` (each `[windows] + inputShapes[i]`).
    func forward(_ inputs: [[Float]], windows: Int) -> [Float] {
        // Time: whole windows of each input one after the other; channels: each row of each input.
        let pers = inputShapes.map { $0.reduce(1, *) }
        let widths = axis == .time ? pers : inputShapes.map { $0.last! }
        let rows = axis == .time ? windows : windows * pers[0] / widths[0]
        return LayerKernels.concatenateRows(inputs, widths: widths, rows: rows) ?? forwardPlain(inputs, windows: windows)
    }

    /// `forward` as a plain loop (the kernel's reference, and its stand-in without AVX-512F).
    func forwardPlain(_ inputs: [[Float]], windows: Int) -> [Float] {
        let pers = inputShapes.map { $0.reduce(1, *) }
        let widths = axis == .time ? pers : inputShapes.map { $0.last! }
        let rows = axis == .time ? windows : windows * pers[0] / widths[0]
        let total = widths.reduce(0, +)
        return [Float](unsafeUninitializedCapacity: rows * total) { y, count in
            var offset = 0
            for (i, x) in inputs.enumerated() {
                let w = widths[i]
                x.withUnsafeBufferPointer { xp in
                    for r in 0..<rows { (y.baseAddress! + r * total + offset).initialize(from: xp.baseAddress! + r * w, count: w) }
                }
                offset += w
            }
            count = rows * total
        }
    }
}
