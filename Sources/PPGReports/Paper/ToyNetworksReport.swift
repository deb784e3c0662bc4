import Foundation
import PPGPaper

/// One stage of a toy network in `summary.json`.
public struct ToyStageSummary: Encodable {
    /// 0 = the input.
    public var stage: Int
    /// Hz below which 99 % of the non-DC power lies.
    public var occupiedBandwidthHz: Double
    public var powerFractionAbove100Hz: Double
    public var aliasedPowerFraction: Double
    public var dc: Double

    public init(_ s: ToyStage) {
        stage = s.stage
        occupiedBandwidthHz = s.occupiedBandwidthHz
        powerFractionAbove100Hz = s.powerFractionAbove100Hz
        aliasedPowerFraction = s.aliasedPowerFraction
        dc = s.dc
    }
}

/// `summary.json` of `paper toy-networks`.
public struct ToyNetworksSummary: Encodable {
    public var samplingRateHz: Double
    public var stages: Int
    public var taps: Int
    public var differentiating: [ToyStageSummary]
    public var movingAverage: [ToyStageSummary]
}

/// Report of `paper toy-networks` (Section III): spectra and 99 % bandwidth per ReLU + convolution stage.
public struct ToyNetworksReport: PaperReport {
    public let experiment: ToyNetworksExperiment
    /// Stages 0 …`stages` of the first-difference chain.
    public let differentiating: [ToyStage]
    /// Stages 0 …`stages` of the moving-average chain.
    public let movingAverage: [ToyStage]

    public init(experiment: ToyNetworksExperiment, differentiating: [ToyStage], movingAverage: [ToyStage]) {
        self.experiment = experiment
        self.differentiating = differentiating
        self.movingAverage = movingAverage
    }

    private var taps: Int { experiment.taps }

    public var title: String { "Toy networks (Section III)" }
    public var intro: String { "ReLU then a first difference, or ReLU then a \(taps)-tap mean, repeated \(experiment.stages) times." }

    public var summary: ToyNetworksSummary {
        ToyNetworksSummary(samplingRateHz: experiment.samplingRateHz, stages: experiment.stages, taps: taps,
                           differentiating: differentiating.map(ToyStageSummary.init),
                           movingAverage: movingAverage.map(ToyStageSummary.init))
    }

    public var textLines: [String] {
        let diff = differentiating, mean = movingAverage
        func fmt(_ v: Double) -> String { NumberFormat.significant(v) }
        var lines = [
            "four-cosine signal, fs \(fmt(experiment.samplingRateHz)) Hz, \(fmt(experiment.seconds)) s; stage s = conv(relu(stage s−1)), circular convolutions",
            "(power >100 Hz and aliased power are shares of the non-DC power; aliased = off the input's 5 Hz line grid)",
            "stage | differentiating: 99% BW (Hz)  >100 Hz   aliased   DC      | moving average (\(taps) taps): 99% BW (Hz)  >100 Hz    aliased    DC",
        ]
        for s in diff.indices {
            lines.append(String(format: "%5d | %28.3f  %6.2f %%  %6.2f %%  %7.4f | %38.3f  %7.4f %%  %.1e  %7.4f", s,
                                diff[s].occupiedBandwidthHz, 100 * diff[s].powerFractionAbove100Hz, 100 * diff[s].aliasedPowerFraction, diff[s].dc,
                                mean[s].occupiedBandwidthHz, 100 * mean[s].powerFractionAbove100Hz, mean[s].aliasedPowerFraction, mean[s].dc))
        }
        return lines
    }

    public var keyNumbers: [(String, String)] {
        func fmt(_ v: Double) -> String { NumberFormat.significant(v) }
        return [
            ("99 % bandwidth, differentiating, per stage (Hz)", differentiating.map { fmt($0.occupiedBandwidthHz) }.joined(separator: ", ")),
            ("99 % bandwidth, moving average, per stage (Hz)", movingAverage.map { fmt($0.occupiedBandwidthHz) }.joined(separator: ", ")),
            ("DC after the last stage (differentiating / moving average)", "\(fmt(differentiating.last!.dc)) / \(fmt(movingAverage.last!.dc))"),
        ]
    }

    public func figures() -> [ReportFigure] {
        func panel(_ s: ToyStage, _ chain: String) -> LinePlot {
            let p = PaperPlots.spectrumPoints(s.spectrum, maxHz: 512, group: 4)
            let peak = max(p.y.dropFirst().max() ?? 1, 1e-30)
            let series = PlotSeries(name: "", x: Array(p.x.dropFirst()),
                                    y: p.y.dropFirst().map { max(20 * log10(max($0, 1e-30) / peak), -100) },
                                    color: Palette.color(s.stage))
            let title = s.stage == 0 ? "input"
                : "\(chain), stage \(s.stage): 99 % below \(NumberFormat.significant(s.occupiedBandwidthHz, digits: 3)) Hz"
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
}
