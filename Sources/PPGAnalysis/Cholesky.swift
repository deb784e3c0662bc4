import Foundation
import PPGSignals

/// Cholesky factorisation and solve of a symmetric positive-definite system (row-major, Float64).
public enum Cholesky {
    /// Solves `A x = b` for symmetric positive-definite `A` [size × size]. `ridge` · mean(diag A)
    /// is added to the diagonal to keep a rank-deficient design (e.g. a constant ACC row) solvable.
    public static func solve(_ a: [Double], _ b: [Double], size n: Int, ridge: Double = 0) throws -> [Double] {
        var l = a
        let meanDiagonal = (0..<n).reduce(0.0) { $0 + a[$1 * n + $1] } / Double(n)
        for i in 0..<n { l[i * n + i] += ridge * meanDiagonal }
        for j in 0..<n {
            var d = l[j * n + j]
            for k in 0..<j { d -= l[j * n + k] * l[j * n + k] }
            guard d > 0, d.isFinite else {
                throw PPGScopeError(object: "filter", "the least-squares system is singular (is an ACC channel constant?)")
            }
            let root = d.squareRoot()
            l[j * n + j] = root
            for i in (j + 1)..<n {
                var s = l[i * n + j]
                for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                l[i * n + j] = s / root
            }
        }
        var y = b
        for i in 0..<n {
            for k in 0..<i { y[i] -= l[i * n + k] * y[k] }
            y[i] /= l[i * n + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            for k in (i + 1)..<n { y[i] -= l[k * n + i] * y[k] }
            y[i] /= l[i * n + i]
        }
        return y
    }
}

