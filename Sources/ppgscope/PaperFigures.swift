import Foundation
import PPGPaper
import PPGReports
import PPGSpectral

/// The SVG figures of `ppgscope paper …`. File names are unique across experiments so that
/// `scripts/render-png` can put every PNG into docs/paper/ side by side.
enum PaperFigures {
    static let modelColors: [DCModel: String] = [.relu: Palette.color(0), .linear: Palette.color(1), .linearDC: Palette.color(2)]
    static let modelNames: [DCModel: String] = [.relu: "ReLU", .linear: "Linear", .linearDC: "Linear w/ DC"]

    /// Bins up to `maxHz`, merged `group` at a time keeping each group's largest amplitude (peaks survive).
    static func spectrumPoints(_ s: Spectrum, maxHz: Double, group: Int = 1) -> (x: [Double], y: [Double]) {
        let last = min(s.amplitudes.count - 1, Int(maxHz / s.resolutionHz))
        var xs: [Double] = [], ys: [Double] = []
        var k = 0
        while k <= last {
            let end = min(k + group, last + 1)
            var best = k
            for j in k..<end where s.amplitudes[j] > s.amplitudes[best] { best = j }
            xs.append(s.frequencyHz(best))
            ys.append(Double(s.amplitudes[best]))
            k = end
        }
        return (xs, ys)
    }

    // MARK: relu-series

    static func reluSeries(_ r: ReLUSeriesResult, terms: Int) -> [ReportFigure] {
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
        let si = spectrumPoints(r.inputSpectrum, maxHz: 160), sa = spectrumPoints(r.approximationSpectrum, maxHz: 160)
        let sr = spectrumPoints(r.reluSpectrum, maxHz: 160)
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

    // MARK: toy-networks

    static func toyNetworks(differentiating: [ToyStage], movingAverage: [ToyStage], taps: Int) -> [ReportFigure] {
        func panel(_ s: ToyStage, _ chain: String) -> LinePlot {
            let p = spectrumPoints(s.spectrum, maxHz: 512, group: 4)
            let peak = max(p.y.dropFirst().max() ?? 1, 1e-30)
            let series = PlotSeries(name: "", x: Array(p.x.dropFirst()),
                                    y: p.y.dropFirst().map { max(20 * log10(max($0, 1e-30) / peak), -100) },
                                    color: Palette.color(s.stage))
            let title = s.stage == 0 ? "input" : "\(chain), stage \(s.stage): 99 % below \(fmt(s.occupiedBandwidthHz, 3)) Hz"
            return LinePlot(title: title, xLabel: "frequency (Hz)", yLabel: "dB re. largest line", series: [series],
                            markers: [PlotMarker(x: s.occupiedBandwidthHz, label: "", color: "#d62728")],
                            xRange: 0...512, yRange: -100...5)
        }
        var panels: [LinePlot] = []
        for (d, m) in zip(differentiating, movingAverage) {
            panels.append(panel(d, "difference"))
            panels.append(panel(m, "\(taps)-tap mean"))
        }
        let spectra = PlotGrid(title: "Spectra after each ReLU + convolution stage (left: first difference, right: \(taps)-tap mean)",
                               panels: panels, columns: 2)
        let stagesAxis = differentiating.map { Double($0.stage) }
        let bandwidth = LinePlot(
            title: "Occupied bandwidth (99 % of the non-DC power)", xLabel: "stage", yLabel: "bandwidth (Hz)",
            series: [PlotSeries(name: "ReLU → first difference", x: stagesAxis, y: differentiating.map(\.occupiedBandwidthHz), color: Palette.color(3)),
                     PlotSeries(name: "ReLU → \(taps)-tap mean", x: stagesAxis, y: movingAverage.map(\.occupiedBandwidthHz), color: Palette.color(2))],
            yRange: 0...520)
        return [
            ReportFigure(fileName: "toy-networks-spectra.svg", caption: "Amplitude spectra (dB relative to each stage's largest non-DC line, 0.5 Hz peak-hold, DC excluded) of the input and of every stage; red: the 99 % bandwidth.",
                         svg: spectra.svg(panelWidth: 480, panelHeight: 190)),
            ReportFigure(fileName: "toy-networks-bandwidth.svg", caption: "Frequency below which 99 % of the non-DC power lies, per stage.", svg: bandwidth.svg()),
        ]
    }

    // MARK: dc-training

    static func dcTraining(_ r: DCTrainingResult, keras: KerasReference?) -> [ReportFigure] {
        let models = r.configuration.models
        func plot(_ title: String, _ yLabel: String, _ value: (DCModel) -> CurveSummary,
                  _ kerasValue: (KerasModelSummary) -> CurveSummary, log: Bool = false) -> LinePlot {
            var series: [PlotSeries] = []
            for m in models {
                let s = value(m)
                let x = s.mean.indices.map { Double($0 + 1) }
                if log {
                    series.append(PlotSeries(name: modelNames[m]!, x: x, y: s.mean.map { log10($0) }, color: modelColors[m]!))
                } else {
                    series.append(PlotSeries(name: modelNames[m]!, x: x, y: s.mean, color: modelColors[m]!, band: s.std))
                }
            }
            for m in models {
                guard let k = keras?.summary(m.rawValue, epochs: r.configuration.epochs) else { continue }
                let s = kerasValue(k)
                series.append(PlotSeries(name: "\(modelNames[m]!), Keras", x: s.mean.indices.map { Double($0 + 1) },
                                         y: log ? s.mean.map { log10($0) } : s.mean, color: modelColors[m]!, dashed: true))
            }
            return LinePlot(title: title, xLabel: "epoch", yLabel: yLabel, series: series)
        }
        let loss = plot("Training loss", "loss", { r.loss($0) }, { $0.loss })
        let d1 = plot("Conv layer 1: ‖W − W₀‖", "distance", { r.conv1Distance($0) }, { $0.conv1Distance })
        let d2 = plot("Conv layer 2: ‖W − W₀‖", "distance", { r.conv2Distance($0) }, { $0.conv2Distance })
        let logLoss = plot("Training loss (log scale, means)", "log10 loss", { r.loss($0) }, { $0.loss }, log: true)
        var compact = [loss, d1, d2]
        for i in compact.indices { compact[i].series = compact[i].series.filter { !$0.dashed } }
        let grid = PlotGrid(title: "Fig. 4: mean ± std over \(r.runs.count) repetitions", panels: compact, columns: 3)
        return [
            ReportFigure(fileName: "dc-training-fig4.svg", caption: "Loss and distance of each conv kernel from its initial value, mean ± std over \(r.runs.count) repetitions (the paper's Fig. 4).",
                         svg: grid.svg(panelWidth: 380, panelHeight: 300)),
            ReportFigure(fileName: "dc-training-loss.svg", caption: "Training loss, mean ± std; dashed: Keras reference mean.", svg: loss.svg()),
            ReportFigure(fileName: "dc-training-loss-log.svg", caption: "log10 of the mean training loss; dashed: Keras reference.", svg: logLoss.svg()),
            ReportFigure(fileName: "dc-training-conv1.svg", caption: "Distance of conv layer 1's kernel from its initial value; dashed: Keras reference.", svg: d1.svg()),
            ReportFigure(fileName: "dc-training-conv2.svg", caption: "Distance of conv layer 2's kernel from its initial value; dashed: Keras reference.", svg: d2.svg()),
        ]
    }

    // MARK: zero-training

    static func zeroTraining(_ r: ZeroTrainingResult, samplingRateHz fs: Double) -> [ReportFigure] {
        let f = stride(from: 0.0, through: fs / 2, by: 0.05).map { $0 }
        let markers = r.classFrequenciesHz.enumerated().map { i, hz in PlotMarker(x: hz, label: "\(fmt(hz)) Hz", color: Palette.color(i)) }
        let response = LinePlot(
            title: "Frequency responses of the two kernels", xLabel: "frequency (Hz)", yLabel: "|H(f)| (dB)",
            series: r.examples.enumerated().map { i, e in
                PlotSeries(name: String(format: "%@ (%+.3f, %+.3f)", (i == 0 ? "first kernel" : "median kernel") as NSString, e.w0, e.w1), x: f,
                           y: f.map { 20 * log10(max(ZeroTraining.response(w0: e.w0, w1: e.w1, frequencyHz: $0, samplingRateHz: fs), 1e-6)) },
                           color: i == 0 ? "#000" : "#777", dashed: i > 0)
            },
            markers: markers)
        var panels: [LinePlot] = []
        for e in r.examples {
            var series: [PlotSeries] = []
            for (label, hz) in r.classFrequenciesHz.enumerated() {
                let idx = r.labels.indices.filter { r.labels[$0] == Int32(label) }.sorted { r.frequenciesHz[$0] < r.frequenciesHz[$1] }
                series.append(PlotSeries(name: "class \(label) (\(fmt(hz)) Hz)", x: idx.map { r.frequenciesHz[$0] }, y: idx.map { e.pooled[$0] },
                                         color: Palette.color(label)))
            }
            let fr = stride(from: 2.5, through: 10.5, by: 0.02).map { $0 }
            series.append(PlotSeries(name: "|H(f)|/π", x: fr,
                                     y: fr.map { ZeroTraining.predictedDC(w0: e.w0, w1: e.w1, frequencyHz: $0, samplingRateHz: fs) },
                                     color: "#555", dashed: true))
            panels.append(LinePlot(title: String(format: "%@ (w0 %+.3f, w1 %+.3f): %@", e.title as NSString, e.w0, e.w1,
                                                 (e.separable ? "separable" : "not separable") as NSString),
                                   xLabel: "signal frequency (Hz)", yLabel: "pooled output", series: series))
        }
        let dc = PlotGrid(title: "Pooled output (DC after ReLU) of every signal against its frequency", panels: panels, columns: 1)
        let order = r.kernels.indices.sorted { atan2(r.kernels[$0].1, r.kernels[$0].0) < atan2(r.kernels[$1].1, r.kernels[$1].0) }
        let angle = order.map { atan2(r.kernels[$0].1, r.kernels[$0].0) * 180 / Double.pi }
        let survey = LinePlot(
            title: String(format: "%d random kernels: %.2f %% separate the classes by the DC alone", r.kernels.count, 100 * r.separableFraction),
            xLabel: "kernel direction atan2(w1, w0) (degrees)", yLabel: "margin (gap / range; < 0: overlap)",
            series: [PlotSeries(name: "", x: angle, y: order.map { max(r.outcomes[$0].margin, -0.5) }, color: Palette.color(0))],
            markers: [-180.0, -90, 0, 90, 180].map { PlotMarker(x: $0, label: $0 == -90 ? "w0·w1 = 0" : "", color: "#999") },
            xRange: -180...180)
        return [
            ReportFigure(fileName: "zero-training-response.svg", caption: "Frequency responses of the two shown kernels, class frequencies marked (the paper's Fig. 5).", svg: response.svg(width: 760)),
            ReportFigure(fileName: "zero-training-dc.svg", caption: "Pooled output of each signal against its frequency, with the closed form |H(f)|/π, for the two shown kernels.",
                         svg: dc.svg(panelWidth: 760, panelHeight: 300)),
            ReportFigure(fileName: "zero-training-survey.svg", caption: "Separability margin of the three classes by the pooled output alone, for random Glorot-uniform kernels, against the kernel's direction.", svg: survey.svg(width: 760)),
        ]
    }
}
