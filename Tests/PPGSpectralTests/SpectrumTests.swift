import Foundation
import PPGSpectral
import Testing

/// Amplitude spectra against closed forms.
@Suite struct SpectrumTests {
    let fs = 32.0

    func cosine(amplitude: Double, hz: Double, count: Int, phase: Double = 0) -> [Float] {
        (0..<count).map { Float(amplitude * cos(2 * .pi * hz * Double($0) / fs + phase)) }
    }

    @Test func aCosineAtAnExactBinReadsItsAmplitudeThereAndNothingElsewhere() {
        // 256 samples at 32 Hz: bins every 0.125 Hz; 1.5 Hz is bin 12.
        let s = SpectralAnalysis.amplitudeSpectrum(cosine(amplitude: 3, hz: 1.5, count: 256, phase: 0.7), samplingRateHz: fs)
        #expect(s.amplitudes.count == 129)
        #expect(abs(s.amplitudes[12] - 3) < 1e-5)
        #expect(s.frequencyHz(12) == 1.5 && s.frequencyBPM(12) == 90)
        for k in s.amplitudes.indices where k != 12 { #expect(s.amplitudes[k] < 1e-5, "bin \(k)") }
    }

    @Test func aConstantReadsItsValueAtDC() {
        let s = SpectralAnalysis.amplitudeSpectrum([Float](repeating: -2.5, count: 64), samplingRateHz: 8)
        #expect(abs(s.dc + 2.5) < 1e-6 || abs(s.dc - 2.5) < 1e-6)
        #expect(abs(s.amplitudes[0] - 2.5) < 1e-6)
        for k in 1..<s.amplitudes.count { #expect(s.amplitudes[k] < 1e-6) }
    }

    /// relu(A·cos θ) = A/π + (A/2) cos θ + (2A/3π) cos 2θ − …: the DC the paper is about.
    @Test func reluOfACosineHasDCAOverPiAndKnownHarmonics() {
        let a = 2.0, n = 8192, bin = 16  // 512 samples per period keeps aliased harmonics below 1e-4
        let x = (0..<n).map { max(0, Float(a * cos(2 * .pi * Double(bin) * Double($0) / Double(n)))) }
        let s = SpectralAnalysis.amplitudeSpectrum(x, samplingRateHz: Double(n))
        func close(_ v: Float, _ expected: Double) -> Bool { abs(Double(v) - expected) <= 1e-3 * expected }
        #expect(close(s.amplitudes[0], a / .pi))
        #expect(close(s.amplitudes[bin], a / 2))
        #expect(close(s.amplitudes[2 * bin], 2 * a / (3 * .pi)))
        #expect(s.amplitudes[3 * bin] < 1e-4, "odd harmonics above the first vanish")
        // DC power fraction DC²/mean square = (A/π)² / (A²/4) = 4/π².
        let meanSquare = x.reduce(0.0) { $0 + Double($1 * $1) } / Double(n)
        #expect(abs(Double(s.dc * s.dc) / meanSquare - 4 / (.pi * .pi)) < 1e-3)
    }

    @Test func zeroPaddingAndHannKeepASinusoidsAmplitudeAtItsBin() {
        let s = SpectralAnalysis.amplitudeSpectrum(cosine(amplitude: 1, hz: 2, count: 256), samplingRateHz: fs,
                                                   length: 1024, taper: .hann)
        let peak = s.amplitudes.indices.max { s.amplitudes[$0] < s.amplitudes[$1] }!
        #expect(abs(s.frequencyHz(peak) - 2) < s.resolutionHz)
        #expect(abs(s.amplitudes[peak] - 1) < 0.02)
    }

    @Test func channelSpectraOfABlockMatchThePerChannelSpectrum() {
        let t = 64, c = 3
        var block = [Float](repeating: 0, count: t * c)
        for i in 0..<t { for j in 0..<c { block[i * c + j] = Float(j + 1) * Float(cos(2 * .pi * Double(4 * (j + 1)) * Double(i) / Double(t))) } }
        let spectra = SpectralAnalysis.channelSpectra(block, time: t, channels: c, samplingRateHz: 8)
        for j in 0..<c { #expect(abs(spectra[j].amplitudes[4 * (j + 1)] - Float(j + 1)) < 1e-5) }
    }
}
