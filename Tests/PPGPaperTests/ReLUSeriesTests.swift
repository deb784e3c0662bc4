import Foundation
import PPGPaper
import PPGSpectral
import Testing

/// Table I, the coefficient recurrence against its closed form, and the approximation itself.
@Suite struct ReLUSeriesTests {
    @Test func tableIMatchesThePaper() {
        // The paper prints a_0 …a_7 rounded: 1, 0.5, −0.125, 0.0625, −0.039, 0.027, −0.02, 0.016.
        let printed: [Double] = [1, 0.5, -0.125, 0.0625, -0.039, 0.027, -0.02, 0.016]
        let a = ReLUSeries.coefficients(8)
        let decimals = [0, 1, 3, 4, 3, 3, 2, 3]
        for n in 0..<8 {
            let scale = pow(10.0, Double(decimals[n]))
            #expect((a[n] * scale).rounded() / scale == printed[n], "a_\(n) = \(a[n])")
        }
        // Exact values: a_4 = −5/128, a_5 = 7/256, a_6 = −21/1024, a_7 = 33/2048.
        #expect(a[4] == -5.0 / 128 && a[5] == 7.0 / 256 && a[6] == -21.0 / 1024 && a[7] == 33.0 / 2048)
    }

    @Test func recurrenceAgreesWithTheClosedForm() {
        let a = ReLUSeries.coefficients(200)
        for n in 0..<200 {
            let closed = ReLUSeries.coefficientClosedForm(n)
            #expect(abs(a[n] - closed) <= 1e-12 * abs(closed), "a_\(n): recurrence \(a[n]), closed form \(closed)")
        }
        // Exact factorials where Double holds them: n ≤ 10.
        func factorial(_ k: Int) -> Double { k <= 1 ? 1 : Double(k) * factorial(k - 1) }
        for n in 0...10 {
            let exact = (n % 2 == 0 ? 1.0 : -1.0) * factorial(2 * n) / (Double(1 - 2 * n) * factorial(n) * factorial(n) * pow(4, Double(n)))
            #expect(abs(a[n] - exact) <= 1e-15 * abs(exact))
        }
    }

    @Test func partialSumsConvergeToTheSquareRoot() {
        for m in stride(from: -0.9, through: 0.9, by: 0.3) {
            #expect(abs(ReLUSeries.sqrtOnePlus(m, terms: 400) - (1 + m).squareRoot()) < 1e-10, "m = \(m)")
        }
        // At the edge m = −1 (x = 0) the series converges only like n^(−1/2): Σ_{n≥N} a_n ≈ 1/√(πN).
        let tail = ReLUSeries.sqrtOnePlus(-1, terms: 100)
        #expect(abs(tail - 1 / (Double.pi * 100).squareRoot()) < 2e-3)
    }

    @Test func approximationOfThePaperSignal() {
        var e = ReLUSeriesExperiment()
        e.maxTerms = 50
        let r = e.run()
        #expect(r.scale == 8)  // A = max(x²)/2, x peaks at 4
        #expect(r.error.terms == 50)
        // Measured: relative RMSE 1.71 % with 50 terms (numpy gives 0.017125 on the same grid).
        #expect(abs(r.error.relativeRMSE - 0.017125) < 2e-5)
        // The authors' printed figure (linspace grid, compares against x): 0.694 %.
        #expect(abs(r.authorsPrinted.authorsPrintedPercent - 0.6941) < 1e-3)
        // Error falls with the number of terms.
        #expect(r.errorByTerms[9].relativeRMSE > r.errorByTerms[49].relativeRMSE)
        // Spectrum: the input has its four lines, relu(x) adds a DC and lines at sums and differences.
        func line(_ f: Double) -> SpectralComponent { r.components.first { $0.frequencyHz == f }! }
        #expect(abs(line(10).input - 1) < 1e-4 && line(15).input < 1e-4)
        #expect(abs(line(0).relu - r.relu.reduce(0, +) / Double(r.relu.count)) < 1e-5)
        #expect(line(0).relu > 0.5 && line(15).relu > 0.05 && line(30).relu > 0.05)
        // The approximation's lines agree with relu(x)'s to within the approximation error.
        for c in r.components { #expect(abs(c.approximation - c.relu) < 0.01, "\(c.frequencyHz) Hz") }
    }
}
