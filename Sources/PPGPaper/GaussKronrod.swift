import Foundation

/// Adaptive Gauss–Kronrod (7, 15) quadrature of a vector-valued integrand: each panel is integrated
/// with the 15-point Kronrod rule, its error estimated as the largest |K15 − G7| over the
/// components, and panels are bisected until every one meets its share of the tolerance.
/// Breakpoints (where the integrand has a kink) start as panel edges, so every panel integrates a
/// smooth function and converges geometrically.
public enum GaussKronrod {
    /// Kronrod nodes on [−1, 1] (non-negative half; 0 last) and their weights; the Gauss 7-point
    /// rule uses the odd-indexed nodes with `gaussWeights`. (Kronrod 1964; values as tabulated in
    /// Piessens et al., QUADPACK, 1983.)
    static let nodes: [Double] = [
        0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
        0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
        0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
        0.207784955007898467600689403773245, 0,
    ]
    static let kronrodWeights: [Double] = [
        0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
        0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
        0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
        0.204432940075298892414161999234649, 0.209482141084727828012999174891714,
    ]
    static let gaussWeights: [Double] = [
        0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
        0.381830050505118944950369775488975, 0.417959183673469387755102040816327,
    ]

    /// A result: the integral of each component, the summed error estimate (the largest component's)
    /// and how many times the integrand was called.
    public struct Result: Sendable {
        public var value: [Double]
        public var errorEstimate: Double
        public var evaluations: Int
    }

    /// ∫ₐᵇ f(x) dx for an integrand with `dimension` components (`f(x, &out)` fills `out`), to an
    /// absolute `tolerance` on every component. `breakpoints` inside (a, b) split the interval first.
    /// Panels stop splitting below `(b − a)·2⁻⁴⁰` (their estimate is then kept as it is).
    public static func integrate(dimension: Int, from a: Double, to b: Double, breakpoints: [Double] = [],
                                 tolerance: Double, _ f: (Double, inout [Double]) -> Void) -> Result {
        precondition(b > a && dimension > 0 && tolerance > 0)
        let edges = [a] + breakpoints.filter { $0 > a && $0 < b }.sorted() + [b]
        var total = [Double](repeating: 0, count: dimension)
        var error = 0.0, evaluations = 0
        var buffer = [Double](repeating: 0, count: dimension)
        var kronrod = [Double](repeating: 0, count: dimension), gauss = kronrod
        let minimumWidth = (b - a) * 0x1p-40
        // Panels to do: (lower, upper); each gets tolerance in proportion to its width.
        var stack: [(Double, Double)] = zip(edges.dropLast(), edges.dropFirst()).filter { $0.0 < $0.1 }.reversed()
        while let (lo, hi) = stack.popLast() {
            let centre = (lo + hi) / 2, half = (hi - lo) / 2
            for i in 0..<dimension { kronrod[i] = 0; gauss[i] = 0 }
            for j in 0..<8 {
                let points = j == 7 ? [centre] : [centre - half * nodes[j], centre + half * nodes[j]]
                for x in points {
                    f(x, &buffer)
                    evaluations += 1
                    for i in 0..<dimension {
                        kronrod[i] += kronrodWeights[j] * buffer[i]
                        if j % 2 == 1 { gauss[i] += gaussWeights[j / 2] * buffer[i] }
                    }
                }
            }
            var panelError = 0.0
            for i in 0..<dimension { panelError = max(panelError, abs(kronrod[i] - gauss[i]) * half) }
            if panelError <= tolerance * (hi - lo) / (b - a) || hi - lo <= minimumWidth || !panelError.isFinite {
                for i in 0..<dimension { total[i] += kronrod[i] * half }
                error += panelError
            } else {
                stack.append((centre, hi))
                stack.append((lo, centre))
            }
        }
        return Result(value: total, errorEstimate: error, evaluations: evaluations)
    }
}
