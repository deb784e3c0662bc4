import Foundation

/// KID-PPG's adaptive linear motion-artefact filter.
///
/// KID-PPG predicts the z-scored PPG window from the three z-scored ACC rows with Conv2D(1×(3,21),
/// same) → Conv2D(1×(3,1), valid). Both layers are linear, so the prediction is one non-causal
/// linear filter with 3 × 21 taps and a bias:
///
///     pred[t] = b + Σ_r Σ_{j=0…20} W[r, j] · acc_z[r, t + j − 10]   (zero outside the window)
///
/// fitted jointly over all windows of a segment. The filtered PPG is `ppg_z − pred`, de-normalised
/// with the PPG window's own mean and standard deviation. PPGAnalysis fits it (`FilterDesign`);
/// `Synth` makes its motion artefact with the same filter form (`apply(_:to:)`).
public struct LinearMotionFilter: Sendable, Equatable {
    /// Taps [3][21]: W[r][j] multiplies acc row r at offset j − 10.
    public var weights: [[Double]]
    public var bias: Double

    public static let taps = 21
    public static let half = 10

    public init(weights: [[Double]], bias: Double) {
        self.weights = weights
        self.bias = bias
    }

    /// The filter's prediction for one window: acc rows `[3][T]` (z-scored) → `[T]`. Accumulates
    /// tap by tap onto the bias (the order the KID-PPG pipeline's numbers are computed in).
    public func predict(acc: [[Float]]) -> [Double] {
        let t = acc[0].count
        var pred = [Double](repeating: bias, count: t)
        for r in 0..<3 {
            for j in 0..<Self.taps {
                let w = weights[r][j]
                let offset = j - Self.half
                let lo = max(0, -offset), hi = min(t, t - offset)
                if lo >= hi { continue }
                for s in lo..<hi { pred[s] += w * Double(acc[r][s + offset]) }
            }
        }
        return pred
    }

    /// Any non-causal linear filter of this form with odd-length taps per axis (the synthetic artefact):
    /// y[t] = Σ_axis Σ_j taps[axis][j] · x_axis[t + j − r], r = (taps[axis].count − 1)/2,
    /// (no bias), zero outside 0 ..< T (non-causal, correlation order as in a Keras `same` convolution).
    /// taps: [A][odd length]; x: [A][T] → [T]. Extra arrays on either side are ignored.
    public static func apply(_ taps: [[Double]], to x: [[Double]]) -> [Double] {
        let count = x.first?.count ?? 0
        var y = [Double](repeating: 0, count: count)
        for axis in 0..<min(taps.count, x.count) {
            let h = taps[axis], xa = x[axis], r = (h.count - 1) / 2
            guard xa.count == count else { continue }
            for t in 0..<count {
                var s = 0.0
                let jLo = max(0, r - t), jHi = min(h.count - 1, count - 1 - t + r)
                if jLo <= jHi { for j in jLo...jHi { s += h[j] * xa[t + j - r] } }
                y[t] += s
            }
        }
        return y
    }
}
