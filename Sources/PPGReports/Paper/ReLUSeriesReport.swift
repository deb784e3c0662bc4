import Foundation
import PPGPaper

/// `summary.json` of `paper relu-series`.
public struct ReLUSeriesSummary: Encodable {
    /// Table I: a_0 …a_7.
    public var coefficients: [Double]
    public var terms: Int
    /// A of m = x²/A − 1.
    public var scale: Double
    /// A / max(x²).
    public var scaleFactor: Double
    public var error: ApproximationError
    public var errorWithScaleMaxSquare: ApproximationError
    public var authorsPrinted: ApproximationError
    /// Relative RMSE for 1 …maxTerms terms.
    public var errorByTerms: [Double]
    public var components: [SpectralComponent]
}

/// Report of `paper relu-series` (Sections III, V-A): Table I, the series' error and spectra.
public struct ReLUSeriesReport: PaperReport {
    public let experiment: ReLUSeriesExperiment
    public let result: ReLUSeriesResult

    public init(experiment: ReLUSeriesExperiment, result: ReLUSeriesResult) {
        self.experiment = experiment
        self.result = result
    }

    public var title: String { "ReLU as a Taylor series (Sections III, V-A)" }
    public var intro: String { "relu(x) ≈ (x + √A Σ a_n mⁿ)/2, m = x²/A − 1, on the paper's four-cosine signal." }

    private var terms: Int { experiment.terms }
    /// The error with A = max x² instead of the chosen scale.
    private var errorWithScaleMaxSquare: ApproximationError { result.errorByTermsFullScale[terms - 1] }

    public var summary: ReLUSeriesSummary {
        ReLUSeriesSummary(
            coefficients: Array(result.coefficients.prefix(8)), terms: terms, scale: result.scale,
            scaleFactor: experiment.scaleFactor, error: result.error, errorWithScaleMaxSquare: errorWithScaleMaxSquare,
            authorsPrinted: result.authorsPrinted, errorByTerms: result.errorByTerms.map(\.relativeRMSE),
            components: result.components)
    }

    public var textLines: [String] {
        let r = result, e = experiment
        func fmt(_ v: Double) -> String { NumberFormat.significant(v) }
        var lines = ["Table I: a_n = (−1)^n (2n)! / ((1−2n)(n!)² 4^n)"]
        for n in 0..<8 { lines.append(String(format: "  a_%d = %+.6f", n, r.coefficients[n])) }
        lines += [
            "signal: cos(2π·10t)+cos(2π·5t)+cos(2π·20t)+cos(2π·40t), fs \(fmt(e.samplingRateHz)) Hz, \(fmt(e.seconds)) s, \(r.input.count) samples",
            "A = \(fmt(r.scale)) (= \(fmt(e.scaleFactor)) · max x² = \(fmt(e.scaleFactor)) · \(fmt(r.peakSquare))), m = x²/A − 1 ∈ [\(fmt(-1)), \(fmt(r.peakSquare / r.scale - 1))]",
            "error with \(terms) terms vs relu(x):",
            "  relative RMSE  RMS(approx − relu)/RMS(relu)  \(fmt(100 * r.error.relativeRMSE)) %",
            "  RMSE / max relu                              \(fmt(100 * r.error.rmseOverPeak)) %",
            "  max |error| / max relu                       \(fmt(100 * r.error.maxErrorOverPeak)) %",
            "  with A = max x² instead: relative RMSE       \(fmt(100 * errorWithScaleMaxSquare.relativeRMSE)) %",
            "authors' printed %RRMSE (100·√(mean((x − approx)²)/Σx²), vs the INPUT x, their linspace grid): \(fmt(r.authorsPrinted.authorsPrintedPercent)) %",
        ]
        for n in [1, 2, 5, 10, 20, 50, 100, 200] where n <= r.errorByTerms.count {
            lines.append(String(format: "  %3d terms: relative RMSE %.4f %%", n, 100 * r.errorByTerms[n - 1].relativeRMSE))
        }
        lines.append("spectral lines (one-sided amplitude) at multiples of 5 Hz, ≥ 0.001 in relu(x):")
        lines.append("  f (Hz)   input    approx   relu")
        for c in r.components where c.relu >= 1e-3 || c.input >= 1e-3 {
            lines.append(String(format: "  %6.0f  %7.4f  %7.4f  %7.4f%@", c.frequencyHz, c.input, c.approximation, c.relu,
                                c.inInput ? "  (input)" : ""))
        }
        return lines
    }

    public var keyNumbers: [(String, String)] {
        let r = result, dc = r.components[0]
        func fmt(_ v: Double) -> String { NumberFormat.significant(v) }
        return [
            ("Table I a_0…a_7", r.coefficients.prefix(8).map { NumberFormat.significant($0, digits: 3) }.joined(separator: ", ")),
            ("A", "\(fmt(r.scale)) = \(fmt(experiment.scaleFactor))·max x²"),
            ("relative RMSE, \(terms) terms", "\(fmt(100 * r.error.relativeRMSE)) %"),
            ("RMSE / max relu", "\(fmt(100 * r.error.rmseOverPeak)) %"),
            ("authors' printed %RRMSE (vs x, Σ normalisation)", "\(fmt(r.authorsPrinted.authorsPrintedPercent)) %"),
            ("DC of relu(x) / approximation", "\(fmt(dc.relu)) / \(fmt(dc.approximation))"),
        ]
    }

    public func figures() -> [ReportFigure] {
        let r = result
        func fmt(_ v: Double, _ digits: Int = 4) -> String { NumberFormat.significant(v, digits: digits) }
        let shown = r.time.indices.filter { r.time[$0] <= 0.4 }
        let t = shown.map { r.time[$0] }
        let time = LinePlot(
            title: "Input, ReLU and its \(terms)-term series approximation", xLabel: "time (s)", yLabel: "amplitude",
            series: [PlotSeries(name: "input x", x: t, y: shown.map { r.input[$0] }, color: Palette.color(0)),
                     PlotSeries(name: "approximation", x: t, y: shown.map { r.approximation[$0] }, color: Palette.color(1)),
                     PlotSeries(name: "relu(x)", x: t, y: shown.map { r.relu[$0] }, color: Palette.color(2), dashed: true)])
        let n = r.errorByTerms.map { Double($0.terms) }
        let error = LinePlot(
            title: "Approximation error versus number of terms", xLabel: "terms N", yLabel: "log10 relative RMSE",
            series: [PlotSeries(name: "A = max(x²)/2 = \(fmt(r.scale)) (used)", x: n, y: r.errorByTerms.map { log10($0.relativeRMSE) }, color: Palette.color(0)),
                     PlotSeries(name: "A = max(x²) = \(fmt(r.peakSquare))", x: n, y: r.errorByTermsFullScale.map { log10($0.relativeRMSE) },
                                color: Palette.color(1), dashed: true)],
            markers: [PlotMarker(x: Double(terms), label: "\(terms) terms: \(fmt(100 * r.error.relativeRMSE, 3)) %", color: "#555")])
        let si = PaperPlots.spectrumPoints(r.inputSpectrum, maxHz: 160)
        let sa = PaperPlots.spectrumPoints(r.approximationSpectrum, maxHz: 160)
        let sr = PaperPlots.spectrumPoints(r.reluSpectrum, maxHz: 160)
        let spectra = LinePlot(
            title: "Spectra: new lines at sums/differences of 5, 10, 20, 40 Hz and a DC", xLabel: "frequency (Hz)",
            yLabel: "amplitude (one-sided)",
            series: [PlotSeries(name: "input x", x: si.x, y: si.y, color: Palette.color(0)),
                     PlotSeries(name: "approximation", x: sa.x, y: sa.y, color: Palette.color(1)),
                     PlotSeries(name: "relu(x)", x: sr.x, y: sr.y, color: Palette.color(2), dashed: true)],
            xRange: 0...160)
        return [
            ReportFigure(fileName: "relu-series-time.svg", caption: "The four-cosine input, relu(x) and the \(terms)-term approximation (first 0.4 s).", svg: time.svg()),
            ReportFigure(fileName: "relu-series-error.svg", caption: "Relative RMSE of the approximation against relu(x) versus the number of series terms.", svg: error.svg()),
            ReportFigure(fileName: "relu-series-spectra.svg", caption: "Amplitude spectra of the input, the approximation and relu(x) (8 s, 0.125 Hz bins).", svg: spectra.svg(width: 760)),
        ]
    }
}
