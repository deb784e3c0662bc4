/// A dense Float32 tensor in row-major order.
///
/// Network tensors are window-major: `[windows, time, channels]` for layers with a time axis,
/// `[windows, features]` otherwise.
public struct Tensor: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        self.shape = shape
        self.values = values
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, values: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    /// Number of windows (first axis).
    public var batch: Int { shape.first ?? 0 }

    /// Elements per window.
    public var elementsPerWindow: Int { shape.dropFirst().reduce(1, *) }

    /// Windows `range` of the first axis.
    public func windows(_ range: Range<Int>) -> Tensor {
        var s = shape
        s[0] = range.count
        return Tensor(shape: s, values: windowValues(range))
    }

    /// The values of windows `range` (a copy of that part of `values`).
    public func windowValues(_ range: Range<Int>) -> [Float] {
        let per = elementsPerWindow
        return Array(values[(range.lowerBound * per)..<(range.upperBound * per)])
    }

    /// Concatenates tensors along the first (window) axis.
    public static func concatenatingWindows(_ parts: [Tensor]) -> Tensor {
        guard var shape = parts.first?.shape else { return Tensor(zeros: [0]) }
        shape[0] = parts.reduce(0) { $0 + $1.batch }
        var values: [Float] = []
        values.reserveCapacity(shape.reduce(1, *))
        for p in parts { values.append(contentsOf: p.values) }
        return Tensor(shape: shape, values: values)
    }

    /// Largest absolute value (0 for an empty tensor).
    public var maxAbs: Float { values.reduce(0) { max($0, abs($1)) } }
}
