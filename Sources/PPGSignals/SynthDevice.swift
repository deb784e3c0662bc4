import Foundation

/// What a real device does to a clean PPG: its sign convention, gain, DC offset, saturation and
/// drop-outs. Applied last, after pulse + baseline + artefact + noise: y = offset + scale · (±x),
/// then clipped, then drop-outs set to 0. The identity by default.
public struct DeviceTransform: Sendable, Equatable {
    /// Raw photodiode convention: the pulse points downwards.
    public var inverted = false
    /// Gain (> 0) and DC offset, in output units.
    public var scale = 1.0
    public var offset = 0.0
    /// Share (0 ≤ c < 0.5) of the signal's range flattened at each end, as an ADC at its limits.
    public var clipShare = 0.0
    /// Number of drop-outs: seeded intervals of 0.5–2 s where the output is 0.
    public var dropouts = 0
    public init(inverted: Bool = false, scale: Double = 1, offset: Double = 0, clipShare: Double = 0, dropouts: Int = 0) {
        self.inverted = inverted
        self.scale = scale
        self.offset = offset
        self.clipShare = clipShare
        self.dropouts = dropouts
    }

    public var isIdentity: Bool { self == DeviceTransform() }

    func validate() throws {
        guard scale.isFinite, scale > 0 else { throw PPGScopeError(object: "scale", "must be a positive finite gain, found \(scale)") }
        guard offset.isFinite else { throw PPGScopeError(object: "offset", "must be finite, found \(offset)") }
        guard clipShare >= 0, clipShare < 0.5 else { throw PPGScopeError(object: "clip", "must be in [0, 0.5), found \(clipShare)") }
        guard dropouts >= 0 else { throw PPGScopeError(object: "dropouts", "must be ≥ 0, found \(dropouts)") }
    }

    /// The device's output for `x` sampled at `fs` Hz (drop-outs from stream 5 of `seed`).
    func apply(_ x: [Double], samplingRateHz fs: Double, seed: UInt64) -> [Double] {
        var y = x.map { offset + scale * (inverted ? -$0 : $0) }
        if clipShare > 0, let lo = y.min(), let hi = y.max() {
            let a = lo + clipShare * (hi - lo), b = hi - clipShare * (hi - lo)
            y = y.map { min(max($0, a), b) }
        }
        var rng = Xoshiro256StarStar(seed: seed, stream: 5)
        for _ in 0..<dropouts where !y.isEmpty {
            let length = Int(rng.nextUniform(0.5, 2) * fs), start = Int(rng.nextUniform(0, Double(y.count)))
            for n in start..<min(start + length, y.count) { y[n] = 0 }
        }
        return y
    }

    var summary: String {
        "\(inverted ? "inverted" : "upright"), scale \(scale), offset \(offset), clip \(clipShare), dropouts \(dropouts)"
    }
}
