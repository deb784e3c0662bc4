import Foundation
import PPGPaper

/// `summary.json` of `paper activations`.
public struct ActivationHarmonicsSummary: Encodable {
    public var amplitudes: [Double]
    public var harmonics: Int
    public var twoToneOrder: Int
    public var fftSamples: Int
    public var activations: [ActivationDCSummary]
    public var singleTone: [SingleToneRow]
    public var twoTone: [TwoToneRow]
}

/// Report of `paper activations` (beyond the paper): which activations add a DC to a cosine and
/// how it scales with the amplitude; harmonics and two-tone intermodulation products.
public struct ActivationHarmonicsReport: PaperReport {
    public let experiment: ActivationHarmonicsExperiment
    public let result: ActivationHarmonicsResult

    public init(experiment: ActivationHarmonicsExperiment, result: ActivationHarmonicsResult) {
        self.experiment = experiment
        self.result = result
    }

    public var title: String { "DC and harmonics of every activation (beyond the paper)" }
    public var intro: String {
        "f(A·cos ωt) and f(A·cos ω₁t + A·cos ω₂t) for each Keras activation, A from \(fmt(experiment.smallestAmplitude)) to "
            + "\(fmt(experiment.largestAmplitude)): the DC, the harmonics and the intermodulation products, by adaptive "
            + "Gauss–Kronrod quadrature (checked against an FFT of a sampled period and against closed forms)."
    }

    private func fmt(_ v: Double, _ digits: Int = 4) -> String { NumberFormat.significant(v, digits: digits) }

    public var summary: ActivationHarmonicsSummary {
        ActivationHarmonicsSummary(amplitudes: result.amplitudes, harmonics: experiment.harmonics, twoToneOrder: experiment.twoToneOrder,
                                   fftSamples: experiment.fftSamples, activations: result.activations,
                                   singleTone: result.singleTone, twoTone: result.twoTone)
    }

    /// The per-activation table (Markdown-style columns), as printed and in EXPERIMENTS.md.
    public var table: [String] {
        let picks = result.activations.first?.dcAboveF0Amplitudes ?? []
        var lines = ["| activation | f(0) | DC − f(0) at A = " + picks.map { fmt($0) }.joined(separator: ", ")
                     + " | slope, small A | slope, large A | two tones: DC − f(0) | two tones: line at f₁ − f₂ |",
                     "|---|---|---|---|---|---|---|"]
        for s in result.activations {
            let slope = { (v: Double?) in v.map { String(format: "%.3f", $0) } ?? "—" }
            lines.append("| \(s.activation) | \(fmt(s.valueAtZero)) | \(s.dcAboveF0.map { cell($0, s.oddAboutZero) }.joined(separator: ", ")) | "
                         + "\(slope(s.smallAmplitudeSlope)) | \(slope(s.largeAmplitudeSlope)) | "
                         + "\(s.twoToneDCAboveF0.map { cell($0, s.oddAboutZero) }.joined(separator: ", ")) | "
                         + "\(s.differenceLine.map { cell($0, s.oddAboutZero) }.joined(separator: ", ")) |")
        }
        return lines
    }

    /// A value that is zero by symmetry prints as 0 (the quadrature leaves ~1e-17).
    private func cell(_ v: Double, _ zeroBySymmetry: Bool) -> String {
        zeroBySymmetry && abs(v) < 1e-12 ? "0" : fmt(v)
    }

    public var textLines: [String] {
        var lines = ["DC added to A·cos ωt (c_0 − f(0)) and how it scales (log-log slope of |c_0 − f(0)| against A):"]
        lines += table
        let fft = result.singleTone.map(\.fftDeviation).max() ?? 0
        let closed = result.singleTone.compactMap(\.closedFormDeviation).max() ?? 0
        let quad = result.singleTone.map(\.quadratureErrorEstimate).max() ?? 0
        let quad2 = result.twoTone.map(\.quadratureErrorEstimate).max() ?? 0
        lines += [
            "checks: quadrature error estimate ≤ \(fmt(quad, 2)) (one tone), ≤ \(fmt(quad2, 2)) (two tones); "
                + "|quadrature − FFT of \(experiment.fftSamples) float32 samples| ≤ \(fmt(fft, 2)); |quadrature − closed form| ≤ \(fmt(closed, 2))",
        ]
        return lines
    }

    public var keyNumbers: [(String, String)] {
        result.activations.map { s in
            let slopes = s.oddAboutZero ? "no DC beyond f(0) (odd about f(0))"
                : "DC − f(0) ∝ A^\(String(format: "%.2f", s.smallAmplitudeSlope ?? .nan)) at small A, A^\(String(format: "%.2f", s.largeAmplitudeSlope ?? .nan)) at large A"
            return (s.activation, "\(slopes); at A = 1: \(cell(s.dcAboveF0.count > 1 ? s.dcAboveF0[1] : .nan, s.oddAboutZero))")
        }
    }

    /// `single-tone.csv` and `two-tone.csv`.
    public func extraFiles() -> [(name: String, text: String)] {
        let k = experiment.harmonics, order = experiment.twoToneOrder
        var single = "activation,amplitude,dc,dc_minus_f0," + (0..<k).map { "c\($0 + 1)" }.joined(separator: ",")
            + ",quadrature_error_estimate,fft_deviation,closed_form_deviation\n"
        for r in result.singleTone {
            single += "\(r.activation),\(r.amplitude),\(r.dc),\(r.dcAboveF0),"
                + r.harmonics.map { "\($0)" }.joined(separator: ",")
                + ",\(r.quadratureErrorEstimate),\(r.fftDeviation),\(r.closedFormDeviation.map { "\($0)" } ?? "")\n"
        }
        var names: [String] = [], picks: [(Int, Int)] = []
        for m in 0...order { for n in 0...order where m + n > 0 && m + n <= order {
            if n == 0 { names.append("\(m == 1 ? "" : "\(m)")f1"); picks.append((m, n)) }
            else if m == 0 { names.append("\(n == 1 ? "" : "\(n)")f2"); picks.append((m, n)) }
            else { names.append("\(m == 1 ? "" : "\(m)")f1±\(n == 1 ? "" : "\(n)")f2"); picks.append((m, n)) }
        } }
        var two = "activation,amplitude,dc," + names.joined(separator: ",") + ",quadrature_error_estimate\n"
        for r in result.twoTone {
            two += "\(r.activation),\(r.amplitude),\(r.dc)," + picks.map { "\(r.line($0.0, $0.1))" }.joined(separator: ",")
                + ",\(r.quadratureErrorEstimate)\n"
        }
        return [("single-tone.csv", single), ("two-tone.csv", two)]
    }

    public func figures() -> [ReportFigure] {
        func series(_ value: (SingleToneRow) -> Double, twoTone: ((TwoToneRow) -> Double)? = nil) -> [PlotSeries] {
            result.activations.enumerated().compactMap { i, s in
                let ys: [Double]
                if let twoTone {
                    ys = result.twoTone.filter { $0.activation == s.activation }.map(twoTone)
                } else {
                    ys = result.singleTone.filter { $0.activation == s.activation }.map(value)
                }
                let logs = ys.map { $0 > 1e-13 ? log10($0) : .nan }
                guard logs.contains(where: \.isFinite) else { return nil }
                return PlotSeries(name: s.activation, x: result.amplitudes.map(log10), y: logs, color: Palette.color(i), dashed: i >= 10)
            }
        }
        let dc = LinePlot(title: "DC added beyond f(0) to A·cos ωt", xLabel: "log10 A", yLabel: "log10 |c₀ − f(0)|",
                          series: series({ abs($0.dcAboveF0) }))
        let second = LinePlot(title: "Second harmonic of A·cos ωt", xLabel: "log10 A", yLabel: "log10 |c₂|",
                              series: series({ $0.harmonics.count > 1 ? abs($0.harmonics[1]) : .nan }))
        var figures = [
            ReportFigure(fileName: "activations-dc.svg",
                         caption: "DC beyond f(0) that each activation adds to a zero-mean cosine of amplitude A, in magnitude (log-log; slope 1 = linear in A, 2 = quadratic; SELU's is negative below A ≈ 1, hence its dip). Activations with f − f(0) odd (tanh, softsign, sigmoid, both hard sigmoids, linear) add none and are not drawn.",
                         svg: dc.svg(width: 760, height: 480)),
            ReportFigure(fileName: "activations-second-harmonic.svg",
                         caption: "Amplitude of the second harmonic (log-log): the even-order distortion that comes with the DC.",
                         svg: second.svg(width: 760, height: 480)),
        ]
        if experiment.twoToneOrder >= 2 {
            let difference = LinePlot(title: "Two equal tones: line at f₁ − f₂", xLabel: "log10 A", yLabel: "log10 amplitude",
                                      series: series({ _ in .nan }, twoTone: { $0.line(1, 1) }))
            figures.append(ReportFigure(fileName: "activations-difference-line.svg",
                                        caption: "Two tones A·cos ω₁t + A·cos ω₂t: the intermodulation line at |f₁ − f₂| (log-log), which like the DC moves energy to low frequency.",
                                        svg: difference.svg(width: 760, height: 480)))
        }
        return figures
    }
}
