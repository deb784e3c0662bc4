import PPGSignals

/// The layers without weights or arithmetic of their own beyond a copy, a sum or one scalar
/// function: channel slices, residual adds, flatten, inference-time identities (dropout, noise)
/// and KID-PPG's DistributionLambda. Their parsing and their forward maths.
enum Structural {
    /// Dropout and the other layers that are the identity at inference (`Dropout`,
    /// `SpatialDropout1D`, `GaussianNoise`, `GaussianDropout`, `ActivityRegularization`).
    static func identity(fromKeras call: KerasLayerCall) -> ParsedLayer {
        ParsedLayer(operation: .identity, outputShape: call.inputShape)
    }

    /// `Flatten`: `[time, channels]` → `[time·channels]` (row-major, so the buffer is unchanged).
    static func flatten(fromKeras call: KerasLayerCall) -> ParsedLayer {
        ParsedLayer(operation: .flatten, outputShape: [call.inputShape.reduce(1, *)], fieldGrowth: nil)
    }

    // MARK: Channel slice

    /// A `SlicingOpLambda` of the channel axis (`x[..., a:b]`): `[time, channels]` → `[time, b − a]`.
    static func channelSlice(fromKeras call: KerasLayerCall) throws -> ParsedLayer {
        let name = call.name, inShape = call.inputShape
        guard let spec = call.kwargs["slice_spec"]?.array else { throw PPGScopeError(object: name, "slice without slice_spec") }
        let range = try channelSlice(spec, channels: inShape.last ?? 0, name: name)
        var outShape = inShape
        outShape[outShape.count - 1] = range.count
        return ParsedLayer(operation: .channelSlice(start: range.lowerBound, end: range.upperBound), outputShape: outShape)
    }

    /// Reads a SlicingOpLambda spec that slices only the last axis: `[..., a:b]` or `[:, :, a:b]`.
    static func channelSlice(_ spec: [JSONValue], channels: Int, name: String) throws -> Range<Int> {
        func isFull(_ v: JSONValue) -> Bool {
            v["start"].map { $0.isNull } ?? false && v["stop"].map { $0.isNull } ?? false
        }
        let last: JSONValue
        if spec.count == 2, spec[0]["class_name"]?.string == "__ellipsis__" {
            last = spec[1]
        } else if spec.count == 3, isFull(spec[0]), isFull(spec[1]) {
            last = spec[2]
        } else {
            throw PPGScopeError(object: name, "slice \(spec) is not supported (only slices of the channel axis)")
        }
        if let step = last["step"]?.int, step != 1 { throw PPGScopeError(object: name, "slice steps are not supported") }
        func bound(_ v: JSONValue?, _ fallback: Int) -> Int {
            guard let i = v?.int else { return fallback }
            return i < 0 ? max(channels + i, 0) : min(i, channels)
        }
        let start = bound(last["start"], 0), stop = bound(last["stop"], channels)
        guard start < stop else { throw PPGScopeError(object: name, "empty channel slice \(start)..<\(stop)") }
        return start..<stop
    }

    /// Channels `start..<end` of `rows` rows of `channels`: `[rows, channels]` → `[rows, end − start]`.
    static func channelSlice(_ x: [Float], rows: Int, channels c: Int, start: Int, end: Int) -> [Float] {
        let w = end - start
        var y = [Float](repeating: 0, count: rows * w)
        for r in 0..<rows {
            for j in 0..<w { y[r * w + j] = x[r * c + start + j] }
        }
        return y
    }

    // MARK: Add

    /// The residual add: `Add`, or a `TFOpLambda` of `__operators__.add`/`math.add`; two inputs
    /// of the same shape, output of that shape.
    static func add(fromKeras call: KerasLayerCall) throws -> ParsedLayer {
        let name = call.name, inShape = call.inputShape, shapes = call.inputShapes
        if call.className == "TFOpLambda" {
            let function = call.config["function"]?.string ?? "?"
            guard function == "__operators__.add" || function == "math.add", shapes.count == 2 else {
                throw PPGScopeError(object: name, "TFOpLambda '\(function)' is not supported (only the residual add)")
            }
            guard shapes[1] == inShape else {
                throw PPGScopeError(object: name, "cannot add shapes \(inShape) and \(shapes[1])")
            }
        } else {
            guard shapes.count == 2, shapes[1] == inShape else { throw PPGScopeError(object: name, "Add needs two inputs of the same shape") }
        }
        return ParsedLayer(operation: .add, outputShape: inShape)
    }

    /// Element-wise `x + other` (same count).
    static func add(_ x: [Float], _ other: [Float]) -> [Float] {
        var y = x
        for i in y.indices { y[i] += other[i] }
        return y
    }

    // MARK: Normal distribution

    /// KID-PPG's `DistributionLambda`, read as Normal(loc, 1 + softplus(raw scale)) on a `[2]` input.
    static func normalDistribution(fromKeras call: KerasLayerCall) throws -> ParsedLayer {
        let inShape = call.inputShape
        guard inShape == [2] else {
            throw PPGScopeError(object: call.name, "DistributionLambda is read as KID-PPG's Normal(loc, 1 + softplus(scale)); it needs a [2] input, found \(inShape)")
        }
        return ParsedLayer(operation: .normalDistribution, outputShape: [2])
    }

    /// `[windows, 2]` (loc, raw scale) → `[windows, 2]` (loc, 1 + softplus(raw scale)).
    static func normalDistribution(_ x: [Float], windows: Int) -> [Float] {
        var y = x
        for w in 0..<windows { y[w * 2 + 1] = 1 + Activation.softplus(x[w * 2 + 1]) }
        return y
    }
}
