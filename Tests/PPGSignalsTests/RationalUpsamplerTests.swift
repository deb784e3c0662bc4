import Foundation
import PPGSignals
import Testing

/// The beat detector's upsampler against closed forms: the ratio it finds, a constant, sinusoids
/// across the pass band (amplitude, phase, no delay) and the images it must suppress.
@Suite struct RationalUpsamplerTests {
    @Test(arguments: [(32.0, 100.0, 25, 8), (64.0, 100.0, 25, 16), (25.0, 100.0, 4, 1), (31.25, 100.0, 16, 5), (30.0, 100.0, 10, 3)])
    func findsTheSmallestRatio(fromHz: Double, toHz: Double, p: Int, q: Int) throws {
        let up = try #require(RationalUpsampler(fromHz: fromHz, toHz: toHz))
        #expect(up.p == p && up.q == q)
        #expect(up.outputCount(1000) == 1000 * p / q)
    }

    @Test func declinesWhatItCannotDo() {
        #expect(RationalUpsampler(fromHz: 100, toHz: 32) == nil, "downsampling")
        #expect(RationalUpsampler(fromHz: 32, toHz: 32) == nil, "same rate")
        #expect(RationalUpsampler(fromHz: 32, toHz: 100.0001) == nil, "not a ratio of millihertz")
        #expect(RationalUpsampler(fromHz: 0.999, toHz: 100) == nil, "p = 100,000 phases")
        #expect(RationalUpsampler(fromHz: .nan, toHz: 100) == nil)
    }

    /// Output samples at least one second from either end (the zero padding's reach is half a filter, 0.5 s at 32 Hz).
    static func interior(_ count: Int, inputSeconds: Double, rateHz: Double) -> [Int] {
        (0..<count).filter { Double($0) / rateHz > 1 && Double($0) / rateHz < inputSeconds - 1 }
    }

    /// The largest |y[i] − sin(2πf·i/100 + phase)| over the interior outputs.
    static func largestError(_ y: [Double], frequencyHz: Double, phase: Double, inputSeconds: Double) -> Double {
        var worst = 0.0
        for i in interior(y.count, inputSeconds: inputSeconds, rateHz: 100) {
            let exact: Double = sin(2 * Double.pi * frequencyHz * Double(i) / 100 + phase)
            worst = max(worst, abs(y[i] - exact))
        }
        return worst
    }

    @Test func aConstantPassesExactly() throws {
        let up = try #require(RationalUpsampler(fromHz: 32, toHz: 100))
        let y = up.resample([Float](repeating: 3.25, count: 640))
        for i in Self.interior(y.count, inputSeconds: 20, rateHz: 100) { #expect(abs(y[i] - 3.25) <= 1e-12, "sample \(i)") }
    }

    /// sin(2πft + 0.3) sampled at 32 Hz and upsampled equals the sinusoid sampled at 100 Hz, to
    /// 1e-4 of its amplitude, up to 80 % of the input's Nyquist frequency (12.8 Hz): right
    /// amplitude and phase, no delay, and images (at 32 − f Hz and beyond) below −80 dB.
    @Test(arguments: [0.5, 1, 2, 4, 8, 10, 12, 12.8])
    func sinusoidsInThePassBandComeThroughUnchanged(frequencyHz: Double) throws {
        let up = try #require(RationalUpsampler(fromHz: 32, toHz: 100))
        let n = 2000, seconds = Double(n) / 32
        let x = (0..<n).map { Float(sin(2 * .pi * frequencyHz * Double($0) / 32 + 0.3)) }
        let y = up.resample(x)
        #expect(y.count == n * 25 / 8)
        let worst = Self.largestError(y, frequencyHz: frequencyHz, phase: 0.3, inputSeconds: seconds)
        #expect(worst <= 1e-4, "\(frequencyHz) Hz: largest error \(worst)")
    }

    /// Past the transition band (which is centred on the input's Nyquist frequency) a tone at
    /// 14 Hz is visibly attenuated: the test above would catch a filter that is all-pass.
    @Test func theTransitionBandIsWhereItShouldBe() throws {
        let up = try #require(RationalUpsampler(fromHz: 32, toHz: 100))
        let n = 2000
        let x = (0..<n).map { Float(sin(2 * .pi * 14 * Double($0) / 32)) }
        let y = up.resample(x)
        let worst = Self.largestError(y, frequencyHz: 14, phase: 0, inputSeconds: Double(n) / 32)
        #expect(worst > 1e-3 && worst < 0.1, "14 Hz: \(worst)")
    }

    @Test func edgesAndShortInputs() throws {
        let up = try #require(RationalUpsampler(fromHz: 32, toHz: 100))
        #expect(up.resample([]).count == 1)
        #expect(up.resample([2]).count == 3)
        let y = up.resample([Float](repeating: 1, count: 10))
        #expect(y.count == 31 && y.allSatisfy { $0.isFinite && abs($0) < 1.2 })
    }
}
