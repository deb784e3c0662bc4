import Foundation
import PPGNetwork
@testable import PPGPaper
import Testing

/// `paper activations`: the DC and harmonics of f(A cos θ) and the two-tone products, by quadrature,
/// against closed forms, an independent high-order quadrature (scipy), and sampled periods.
@Suite struct ActivationHarmonicsTests {
    static let amplitudes = [0.03, 0.5, 1, 2.7, 10]

    /// c_0 … c_K by the trapezoidal rule on `n` samples of a period, in Double: exponentially
    /// accurate for a smooth f, O(n⁻²) across a kink.
    static func trapezoid(_ f: Activation, _ a: Double, harmonics: Int, samples n: Int = 1 << 16) -> [Double] {
        var c = [Double](repeating: 0, count: harmonics + 1)
        for j in 0..<n {
            let theta = 2 * Double.pi * Double(j) / Double(n), y = f.apply(a * cos(theta))
            for k in 0...harmonics { c[k] += y * cos(Double(k) * theta) }
        }
        return c.enumerated().map { k, v in v * (k == 0 ? 1 : 2) / Double(n) }
    }

    @Test func reluAddsAOverPiAndTheHalfWaveRectifierSeries() throws {
        for a in Self.amplitudes {
            let (c, error) = ActivationHarmonics.singleTone(.relu, amplitude: a, harmonics: 8)
            #expect(abs(c[0] - a / .pi) <= 1e-12 * max(a, 1), "A = \(a)")
            let closed = try #require(ActivationHarmonics.closedForm(.relu, amplitude: a, harmonics: 8))
            #expect(zip(c, closed).allSatisfy { abs($0 - $1) <= 1e-12 * max(a, 1) }, "A = \(a): \(c) vs \(closed)")
            #expect(error <= 1e-11)
        }
        // The series itself: c_1 = A/2, c_2 = 2A/(3π), c_4 = −2A/(15π), odd harmonics above 1 vanish.
        let closed = try #require(ActivationHarmonics.closedForm(.relu, amplitude: 1, harmonics: 5))
        #expect(closed[1] == 0.5 && abs(closed[2] - 2 / (3 * Double.pi)) < 1e-16 && abs(closed[4] + 2 / (15 * Double.pi)) < 1e-16)
        #expect(closed[3] == 0 && closed[5] == 0)
    }

    @Test(arguments: [0.01, 0.1, 0.2, 0.3, 0.5])
    func leakyReLUAddsOneMinusSlopeTimesAOverPi(slope: Double) {
        for a in Self.amplitudes {
            let c = ActivationHarmonics.singleTone(.leakyReLU(negativeSlope: slope), amplitude: a, harmonics: 3).coefficients
            #expect(abs(c[0] - (1 - slope) * a / .pi) <= 1e-12 * max(a, 1), "slope \(slope), A = \(a)")
            #expect(abs(c[1] - (1 + slope) * a / 2) <= 1e-12 * max(a, 1))
        }
    }

    @Test(arguments: [Activation.tanh, .softsign, .linear, .sigmoid, .hardSigmoid(.keras3), .hardSigmoid(.tfKeras)])
    func anActivationOddAboutItsValueAtZeroAddsNoDCAndNoEvenHarmonic(_ f: Activation) {
        #expect(f.isOddAboutZero)
        let f0 = f.apply(0.0)
        for a in Self.amplitudes {
            let c = ActivationHarmonics.singleTone(f, amplitude: a, harmonics: 6).coefficients
            #expect(abs(c[0] - f0) <= 1e-13, "\(f.label), A = \(a): DC \(c[0])")
            #expect([2, 4, 6].allSatisfy { abs(c[$0]) <= 1e-13 }, "\(f.label), A = \(a): \(c)")
            #expect(abs(c[1]) > 1e-3 * a, "the fundamental passes")
        }
    }

    /// relu, leaky ReLU, both GELUs, SiLU and softplus are x/2 (or a linear term) plus an even function:
    /// beyond the fundamental they make only even harmonics and even-order two-tone products.
    @Test(arguments: [Activation.relu, .leakyReLU(negativeSlope: 0.2), .gelu(approximate: false), .gelu(approximate: true), .swish, .softplus])
    func anActivationThatIsLinearPlusEvenMakesOnlyEvenOrderDistortion(_ f: Activation) {
        for a in [0.4, 3.0] {
            let c = ActivationHarmonics.singleTone(f, amplitude: a, harmonics: 5).coefficients
            #expect(abs(c[3]) <= 1e-14 && abs(c[5]) <= 1e-14, "\(f.label), A = \(a): \(c)")
            #expect(abs(c[2]) > 1e-4)
            let b = ActivationHarmonics.twoTone(f, amplitudes: a, 0.7 * a, order: 3).coefficients
            #expect(abs(b[2][1]) <= 1e-10 && abs(b[1][2]) <= 1e-10 && abs(b[3][0]) <= 1e-10, "\(f.label), A = \(a)")
        }
        let elu = ActivationHarmonics.singleTone(.elu(alpha: 1), amplitude: 1, harmonics: 3).coefficients
        #expect(abs(elu[3]) > 1e-3, "ELU is not: it has a third harmonic")
    }

    @Test func theOtherActivationsAreNotOddAboutZeroAndDoAddDC() {
        for f in Activation.kerasDefaults where !f.isOddAboutZero {
            let c = ActivationHarmonics.singleTone(f, amplitude: 1, harmonics: 2).coefficients
            #expect(abs(c[0] - f.apply(0.0)) > 0.05, "\(f.label): \(c[0])")
        }
    }

    /// Independent oracle: scipy.integrate.quad (epsabs = epsrel = 1e-14) of x·Φ(x) at A cos θ,
    /// with x·Φ(x) = x/2·erfc(−x/√2).
    @Test func geluDCMatchesAnIndependentQuadratureTo1e12() {
        let scipy: [(a: Double, dc: Double, c2: Double)] = [
            (0.1, 0.0019922211262474597, 0.00199139155291884),
            (1, 0.17735573316469827, 0.1704255232147417),
            (10, 3.1670608776265876, 2.1531703635279644),
        ]
        for (a, dc, c2) in scipy {
            let c = ActivationHarmonics.singleTone(.gelu(approximate: false), amplitude: a, harmonics: 2).coefficients
            #expect(abs(c[0] - dc) <= 1e-12 && abs(c[2] - c2) <= 1e-12, "A = \(a): \(c[0]) vs \(dc), \(c[2]) vs \(c2)")
        }
        // ELU at A = 1 from the same scipy run (split at θ = π/2): 0.0962212320908494.
        #expect(abs(ActivationHarmonics.singleTone(.elu(alpha: 1), amplitude: 1, harmonics: 0).coefficients[0] - 0.0962212320908494) <= 1e-12)
    }

    /// Every activation against the trapezoidal rule on 2¹⁶ samples of a period (Double): 1e-11 for
    /// the smooth ones, 1e-8·A across kinks (where the rule converges as n⁻²), and against FFTW's
    /// float32 FFT of 4096 samples within 1e-6 of the largest |f|.
    @Test func quadratureMatchesSampledPeriods() {
        for f in Activation.kerasDefaults {
            for a in [0.07, 1.3, 8.0] {
                let c = ActivationHarmonics.singleTone(f, amplitude: a, harmonics: 5).coefficients
                let t = Self.trapezoid(f, a, harmonics: 5)
                let tolerance = f.kinks.isEmpty ? 1e-11 : 1e-8 * a
                #expect(zip(c, t).allSatisfy { abs($0 - $1) <= tolerance }, "\(f.label), A = \(a): \(c) vs \(t)")
                let fft = ActivationHarmonics.sampledPeriod(f, amplitude: a, harmonics: 5)
                let peak = max(abs(f.apply(a)), abs(f.apply(-a)), 1)
                #expect(zip(c, fft).allSatisfy { abs($0 - $1) <= 1e-6 * peak }, "\(f.label), A = \(a): FFT \(fft)")
            }
        }
    }

    /// For a smooth f, c_0 − f(0) = f''(0)·A²/4 + O(A⁴) (ELU: O(A³)); both GELUs have f''(0) = √(2/π);
    /// ELU's f'' jumps from α to 0 at 0, so α/2 stands in.
    @Test func smoothActivationsAddADCQuadraticInASmallA() {
        let curvature: [(Activation, Double)] = [
            (.gelu(approximate: false), (2 / Double.pi).squareRoot()), (.gelu(approximate: true), (2 / Double.pi).squareRoot()),
            (.swish, 0.5), (.softplus, 0.25), (.elu(alpha: 1), 0.5),
        ]
        for (f, second) in curvature {
            let a = 1e-3
            let dc = ActivationHarmonics.singleTone(f, amplitude: a, harmonics: 0, tolerance: 1e-15).coefficients[0] - f.apply(0.0)
            #expect(abs(dc / (second * a * a / 4) - 1) < 1e-3, "\(f.label): \(dc) vs \(second * a * a / 4)")
        }
        // SELU's slopes differ at 0 (λ = 1.0507 right, λα = 1.7581 left): like a leaky ReLU with slope
        // above 1, its DC is (λ − λα)A/π < 0 to first order.
        let a = 1e-3
        let selu = ActivationHarmonics.singleTone(.selu, amplitude: a, harmonics: 0).coefficients[0]
        let linear = (Activation.seluScale - Activation.seluScale * Activation.seluAlpha) * a / .pi
        #expect(selu < 0 && abs(selu / linear - 1) < 2e-3, "\(selu) vs \(linear)")
    }

    /// Two equal tones: relu(A cos θ₁ + A cos θ₂) = A(cos θ₁ + cos θ₂)/2 + A|cos u||cos v| with
    /// u, v = (θ₁ ± θ₂)/2, so the DC is 4A/π² and the lines at f₁ ± f₂ are 8A/(3π²).
    @Test func reluOfTwoEqualTonesAddsFourAOverPiSquared() {
        for a in [0.2, 1, 6] {
            let (b, error) = ActivationHarmonics.twoTone(.relu, amplitudes: a, a, order: 2)
            #expect(abs(b[0][0] - 4 * a / (.pi * .pi)) <= 1e-9 * max(a, 1), "A = \(a): \(b[0][0])")
            let row = TwoToneRow(activation: "relu", amplitude: a, coefficients: b, quadratureErrorEstimate: error)
            #expect(abs(row.line(1, 1) - 8 * a / (3 * .pi * .pi)) <= 1e-9 * max(a, 1))
            #expect(abs(row.line(1, 0) - a / 2) <= 1e-9 * max(a, 1), "each fundamental passes at half")
            #expect(error <= 1e-9)
        }
        let leaky = ActivationHarmonics.twoTone(.leakyReLU(negativeSlope: 0.2), amplitudes: 1, 1, order: 1).coefficients
        #expect(abs(leaky[0][0] - 0.8 * 4 / (.pi * .pi)) <= 1e-9)
    }

    @Test(arguments: [Activation.tanh, .sigmoid, .hardSigmoid(.keras3)])
    func oddActivationsMakeNoEvenOrderProducts(_ f: Activation) {
        let b = ActivationHarmonics.twoTone(f, amplitudes: 2, 1.3, order: 3).coefficients
        for m in 0...3 { for n in 0...3 where (m + n) % 2 == 0 && m + n > 0 {
            #expect(abs(b[m][n]) <= 1e-9, "\(f.label): b[\(m)][\(n)] = \(b[m][n])")
        } }
        #expect(abs(b[0][0] - f.apply(0.0)) <= 1e-9)
        #expect(abs(b[2][1]) > 1e-4, "third-order products exist")
    }

    @Test func theExperimentSummarisesTheSlopes() {
        var e = ActivationHarmonicsExperiment()
        e.activations = [.relu, .gelu(approximate: false), .tanh]
        e.pointsPerDecade = 2
        let r = e.run()
        #expect(r.amplitudes.count == 7 && abs(r.amplitudes.first! - 0.01) < 1e-15 && abs(r.amplitudes.last! - 10) < 1e-12)
        let relu = r.activations[0], gelu = r.activations[1], tanh = r.activations[2]
        #expect(abs(relu.smallAmplitudeSlope! - 1) < 1e-9 && abs(relu.largeAmplitudeSlope! - 1) < 1e-9)
        #expect(abs(gelu.smallAmplitudeSlope! - 2) < 1e-2 && abs(gelu.largeAmplitudeSlope! - 1) < 0.05)
        #expect(tanh.smallAmplitudeSlope == nil && tanh.oddAboutZero)
        #expect(relu.worstClosedFormDeviation! < 1e-12 && gelu.worstClosedFormDeviation == nil)
        #expect(r.singleTone.allSatisfy { $0.fftDeviation < 2e-6 })
    }
}
