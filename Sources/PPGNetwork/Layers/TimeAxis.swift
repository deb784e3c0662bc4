import PPGSignals

/// The layers that edit the time axis without arithmetic: ZeroPadding1D (zero rows before and
/// after), Cropping1D (rows dropped at both ends), UpSampling1D (each row repeated).
public enum TimeAxisLayer: Sendable {
    case zeroPadding(left: Int, right: Int)
    case cropping(left: Int, right: Int)
    case upSampling(Int)

    var className: String {
        switch self {
        case .zeroPadding: return "ZeroPadding1D"
        case .cropping: return "Cropping1D"
        case .upSampling: return "UpSampling1D"
        }
    }

    var details: String {
        switch self {
        case .zeroPadding(let l, let r), .cropping(let l, let r): return "\(l) + \(r)"
        case .upSampling(let s): return "×\(s)"
        }
    }

    /// Output length for `length` input rows.
    func outputLength(_ length: Int) -> Int {
        switch self {
        case .zeroPadding(let l, let r): return length + l + r
        case .cropping(let l, let r): return length - l - r
        case .upSampling(let s): return length * s
        }
    }
}

extension TimeAxisLayer {
    /// Reads a Keras `ZeroPadding1D` (`padding`: n or [left, right]), `Cropping1D` (`cropping`)
    /// or `UpSampling1D` (`size`) call on `[time, channels]`.
    static func fromKeras(_ call: KerasLayerCall) throws -> ParsedLayer {
        let cfg = call.config, name = call.name
        try call.requireTime()
        func pair(_ key: String, _ fallback: Int) -> (Int, Int) {
            if let a = cfg[key]?.array, a.count == 2, let l = a[0].int, let r = a[1].int { return (l, r) }
            let v = cfg[key]?.intOrFirst ?? fallback
            return (v, v)
        }
        let layer: TimeAxisLayer
        var parsed: ParsedLayer
        let length = call.inputShape[0], channels = call.inputShape[1]
        switch call.className {
        case "ZeroPadding1D":
            let (l, r) = pair("padding", 1)
            layer = .zeroPadding(left: l, right: r)
            parsed = ParsedLayer(operation: .timeAxis(layer), outputShape: [layer.outputLength(length), channels])
        case "Cropping1D":
            let (l, r) = pair("cropping", 1)
            layer = .cropping(left: l, right: r)
            parsed = ParsedLayer(operation: .timeAxis(layer), outputShape: [layer.outputLength(length), channels])
        default:
            let size = cfg["size"]?.intOrFirst ?? 2
            layer = .upSampling(size)
            parsed = ParsedLayer(operation: .timeAxis(layer), outputShape: [layer.outputLength(length), channels], upsampling: size)
        }
        if case .zeroPadding(let l, let r) = layer, l < 0 || r < 0 { throw PPGScopeError(object: name, "negative padding") }
        if case .cropping(let l, let r) = layer, l < 0 || r < 0 || l + r >= length {
            throw PPGScopeError(object: name, "Cropping1D (\(l), \(r)) of \(length) rows leaves none")
        }
        if case .upSampling(let s) = layer, s < 1 { throw PPGScopeError(object: name, "UpSampling1D size \(s) must be positive") }
        return parsed
    }

    /// `[windows, length, channels]` → `[windows, outputLength(length), channels]`.
    func forward(_ input: [Float], windows: Int, length: Int, channels: Int) -> [Float] {
        let outLength = outputLength(length)
        var y = [Float](repeating: 0, count: windows * outLength * channels)
        for n in 0..<windows {
            for t in 0..<outLength {
                let source: Int?
                switch self {
                case .zeroPadding(let l, _): source = t >= l && t < l + length ? t - l : nil
                case .cropping(let l, _): source = t + l
                case .upSampling(let s): source = t / s
                }
                guard let s = source else { continue }
                let o = (n * outLength + t) * channels, i = (n * length + s) * channels
                for c in 0..<channels { y[o + c] = input[i + c] }
            }
        }
        return y
    }
}

extension Structural {
    /// Keras `Reshape(target_shape)` to a per-window shape of one or two axes (one may be −1).
    static func reshape(fromKeras call: KerasLayerCall) throws -> ParsedLayer {
        let name = call.name, inShape = call.inputShape
        let total = inShape.reduce(1, *)
        guard var target = call.config["target_shape"]?.array?.compactMap(\.int), (1...2).contains(target.count) else {
            throw PPGScopeError(object: name, "Reshape target_shape \(call.config["target_shape"].map { "\($0)" } ?? "missing") is not supported (one or two axes)")
        }
        if let unknown = target.firstIndex(of: -1) {
            let known = target.enumerated().filter { $0.offset != unknown }.reduce(1) { $0 * $1.element }
            guard known > 0, total % known == 0 else { throw PPGScopeError(object: name, "cannot reshape \(inShape) to \(target)") }
            target[unknown] = total / known
        }
        guard target.reduce(1, *) == total, target.allSatisfy({ $0 > 0 }) else {
            throw PPGScopeError(object: name, "cannot reshape \(inShape) to \(target)")
        }
        return ParsedLayer(operation: .reshape, outputShape: target, fieldGrowth: target == inShape ? 0 : nil,
                           keepsTime: target == inShape ? nil : false)
    }

    /// Keras `Permute(dims)` of a `[time, channels]` input: (1, 2) is the identity, (2, 1) swaps the axes.
    static func permute(fromKeras call: KerasLayerCall) throws -> ParsedLayer {
        let dims = call.config["dims"]?.array?.compactMap(\.int) ?? []
        let inShape = call.inputShape
        if dims == [1] || dims == [1, 2] { return ParsedLayer(operation: .identity, outputShape: inShape) }
        guard dims == [2, 1], inShape.count == 2 else {
            throw PPGScopeError(object: call.name, "Permute dims \(dims) of a \(inShape) input is not supported")
        }
        return ParsedLayer(operation: .transpose, outputShape: [inShape[1], inShape[0]], fieldGrowth: nil, keepsTime: false)
    }

    /// `[windows, rows, columns]` → `[windows, columns, rows]`.
    static func transpose(_ x: [Float], windows: Int, rows: Int, columns: Int) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        for n in 0..<windows {
            let base = n * rows * columns
            for r in 0..<rows { for c in 0..<columns { y[base + c * rows + r] = x[base + r * columns + c] } }
        }
        return y
    }
}
