import Foundation

/// A plain Double-precision forward and backward pass of `SmallCNNShape`'s network, written loop by
/// loop from the definitions. It is the oracle the fast Float trainer is tested against, and its own
/// gradient is checked against central finite differences in the tests.
public enum SmallCNNReference {
    /// Mean softmax cross-entropy over the batch and its gradient with respect to every parameter
    /// (layout `shape.layout`). `inputs[b]` has `shape.length` samples; `labels[b]` ∈ 0 ..< classes.
    public static func lossAndGradient(_ s: SmallCNNShape, activation: ConvActivation, parameters w: [Double],
                                       inputs: [[Double]], labels: [Int]) -> (loss: Double, gradient: [Double]) {
        let L = s.layout
        let T = s.length, C = s.filters, K = s.kernel, H = s.hidden, Q = s.classes, B = inputs.count
        precondition(w.count == L.count && labels.count == B)
        let relu = activation == .relu
        func act(_ v: Double) -> Double { relu ? max(v, 0) : v }
        func slope(_ v: Double) -> Double { relu ? (v > 0 ? 1 : 0) : 1 }
        var g = [Double](repeating: 0, count: L.count)
        var total = 0.0
        for b in 0..<B {
            let x = inputs[b]
            precondition(x.count == T)
            // Forward.
            var z1 = [[Double]](repeating: [Double](repeating: 0, count: C), count: T)
            for t in 0..<T { for c in 0..<C { for k in 0..<K {
                let src = t - (K - 1) + k
                if src >= 0 { z1[t][c] += x[src] * w[L.conv1.lowerBound + k * C + c] }
            } } }
            let h1 = z1.map { $0.map(act) }
            var z2 = [[Double]](repeating: [Double](repeating: 0, count: C), count: T)
            for t in 0..<T { for o in 0..<C { for k in 0..<K {
                let src = t - (K - 1) + k
                guard src >= 0 else { continue }
                for i in 0..<C { z2[t][o] += h1[src][i] * w[L.conv2.lowerBound + (k * C + i) * C + o] }
            } } }
            let h2 = z2.map { $0.map(act) }
            var p = [Double](repeating: 0, count: C)
            for t in 0..<T { for c in 0..<C { p[c] += h2[t][c] / Double(T) } }
            var aPre = [Double](repeating: 0, count: H)
            for h in 0..<H {
                aPre[h] = w[L.bias1.lowerBound + h]
                for c in 0..<C { aPre[h] += p[c] * w[L.dense1.lowerBound + c * H + h] }
            }
            let a = aPre.map { max($0, 0) }
            var logits = [Double](repeating: 0, count: Q)
            for q in 0..<Q {
                logits[q] = w[L.bias2.lowerBound + q]
                for h in 0..<H { logits[q] += a[h] * w[L.dense2.lowerBound + h * Q + q] }
            }
            let peak = logits.max()!
            let sumExp = logits.reduce(0) { $0 + exp($1 - peak) }
            total += peak + log(sumExp) - logits[labels[b]]

            // Backward (the batch mean contributes 1/B).
            let dl = (0..<Q).map { q in (exp(logits[q] - peak) / sumExp - (q == labels[b] ? 1 : 0)) / Double(B) }
            var da = [Double](repeating: 0, count: H)
            for h in 0..<H { for q in 0..<Q {
                g[L.dense2.lowerBound + h * Q + q] += a[h] * dl[q]
                da[h] += dl[q] * w[L.dense2.lowerBound + h * Q + q]
            } }
            for q in 0..<Q { g[L.bias2.lowerBound + q] += dl[q] }
            let daPre = (0..<H).map { aPre[$0] > 0 ? da[$0] : 0 }
            var dp = [Double](repeating: 0, count: C)
            for c in 0..<C { for h in 0..<H {
                g[L.dense1.lowerBound + c * H + h] += p[c] * daPre[h]
                dp[c] += daPre[h] * w[L.dense1.lowerBound + c * H + h]
            } }
            for h in 0..<H { g[L.bias1.lowerBound + h] += daPre[h] }
            var dz2 = [[Double]](repeating: [Double](repeating: 0, count: C), count: T)
            for t in 0..<T { for o in 0..<C { dz2[t][o] = dp[o] / Double(T) * slope(z2[t][o]) } }
            var dh1 = [[Double]](repeating: [Double](repeating: 0, count: C), count: T)
            for t in 0..<T { for k in 0..<K {
                let src = t - (K - 1) + k
                guard src >= 0 else { continue }
                for i in 0..<C { for o in 0..<C {
                    let wi = L.conv2.lowerBound + (k * C + i) * C + o
                    g[wi] += h1[src][i] * dz2[t][o]
                    dh1[src][i] += dz2[t][o] * w[wi]
                } }
            } }
            for t in 0..<T { for c in 0..<C {
                let dz1 = dh1[t][c] * slope(z1[t][c])
                for k in 0..<K {
                    let src = t - (K - 1) + k
                    if src >= 0 { g[L.conv1.lowerBound + k * C + c] += x[src] * dz1 }
                }
            } }
        }
        return (total / Double(B), g)
    }
}
