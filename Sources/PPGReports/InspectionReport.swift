import Foundation
import PPGAnalysis

/// Figures and JSON of `ppgscope inspect`.
public enum InspectionReport {
    /// summary.json: per-layer metrics (no spectra: those go to spectra.h5), HR metrics, ablation.
    public static func summaryJSON(_ r: InspectionResult, recording: String, model: String, filter: String) throws -> String {
        struct Layer: Encodable {
            var name: String, tap: String, className: String, activation: String?, samplingRateHz: Double, timeSteps: Int, channels: Int
            var dcPowerFraction: Double, dcToLargestNonDC: Double, dcDominantShare: Double, deadChannelsPerWindow: Double
            var rootMeanSquare: Double
            var dcFromConvolution: Double?, meanBias: Double?, dcAddedByActivation: Double?
            var bandwidth99Hz: Double, bandwidth99BPM: Double, harmonicShare: Double
            var dcHRCorrelation: [Double], strongestDCHRChannels: [Int]
        }
        struct Summary: Encodable {
            var recording: String, model: String, filter: String, windows: Int, figureWindow: Int
            var referenceFrequency: String
            var layers: [Layer]
            var modelMetrics: HeartRateMetrics?, spectralMetrics: HeartRateMetrics?
            var ablation: [AblationRow]
        }
        let layers = r.layers.map { l in
            Layer(name: l.layer.name, tap: l.layer.tapName, className: l.layer.className, activation: l.layer.activation,
                  samplingRateHz: l.layer.samplingRateHz,
                  timeSteps: l.layer.timeSteps, channels: l.layer.channels, dcPowerFraction: l.dcPowerFraction,
                  dcToLargestNonDC: l.dcToLargestNonDC, dcDominantShare: l.dcDominantShare,
                  deadChannelsPerWindow: l.deadChannelsPerWindow, rootMeanSquare: l.rootMeanSquare, dcFromConvolution: l.dcFromConvolution, meanBias: l.meanBias,
                  dcAddedByActivation: l.dcAddedByActivation, bandwidth99Hz: l.bandwidth99Hz, bandwidth99BPM: l.bandwidth99Hz * 60,
                  harmonicShare: l.harmonicShare, dcHRCorrelation: l.dcHRCorrelation, strongestDCHRChannels: strongest(l, 8))
        }
        let hasReference = r.estimates.contains { $0.referenceBPM != nil }
        let s = Summary(recording: recording, model: model, filter: filter, windows: r.estimates.count, figureWindow: r.figureWindow,
                        referenceFrequency: hasReference ? "reference HR at each window's end" : "dominant input frequency (no reference HR)",
                        layers: layers,
                        modelMetrics: HeartRateMetrics(estimates: r.estimates.map(\.hrBPM), references: r.estimates.map(\.referenceBPM)),
                        spectralMetrics: HeartRateMetrics(estimates: r.estimates.map(\.spectralBPM), references: r.estimates.map(\.referenceBPM)),
                        ablation: r.ablation)
        return try ReportJSON.text(s)
    }

    /// Channels with the largest |DC–HR correlation|, strongest first.
    static func strongest(_ l: LayerSummary, _ k: Int) -> [Int] {
        l.dcHRCorrelation.indices.filter { l.dcHRCorrelation[$0].isFinite }
            .sorted { abs(l.dcHRCorrelation[$0]) > abs(l.dcHRCorrelation[$1]) }.prefix(k).map { $0 }
    }

    public static func figures(_ r: InspectionResult, modelName: String) -> [ReportFigure] {
        var figures: [ReportFigure] = []
        let refHR = r.estimates.first { $0.window == r.figureWindow }?.referenceBPM
        let markerHR = refHR ?? r.estimates.first { $0.window == r.figureWindow }?.spectralBPM
        // (a) The paper's Fig. 3 view.
        for (index, fig) in r.figureLayers.enumerated() {
            let maxBPM = fig.samplingRateHz / 2 * 60
            let panels = fig.channels.map { ch in
                LinePlot(title: "channel \(ch.channel)", xLabel: "BPM", yLabel: "amplitude / std",
                         series: [PlotSeries(name: "input", x: r.figureInput.frequenciesHz.map { $0 * 60 }, y: r.figureInput.amplitudes.map(Double.init),
                                             color: "#7f7f7f", dashed: true),
                                  PlotSeries(name: "activation", x: ch.frequenciesHz.map { $0 * 60 }, y: ch.amplitudes.map(Double.init), color: Palette.color(0))],
                         markers: markerHR.map { [PlotMarker(x: $0, label: "HR")] } ?? [], xRange: 0...maxBPM)
            }
            let grid = PlotGrid(title: "\(fig.layer) (\(format(fig.samplingRateHz)) Hz), window \(r.figureWindow): activation (solid) vs input (dashed) spectra",
                                panels: panels, columns: 4)
            figures.append(ReportFigure(fileName: "fig3_\(index + 1)_\(safe(fig.layer)).svg",
                                        caption: "Fig. 3 view of \(modelName): amplitude spectra of the first \(fig.channels.count) channels of \(fig.layer) on window \(r.figureWindow), each normalised by its standard deviation (solid), with the model input's spectrum dashed and the heart rate marked\(refHR == nil ? " (input's dominant frequency)" : ""). The activation (ReLU in the paper) adds a DC and harmonics of the HR; pooling limits the band.",
                                        svg: grid.svg(panelWidth: 300, panelHeight: 190)))
        }
        // (b) Layer-by-layer map: channels × frequency, window-averaged, each channel scaled to its peak.
        let mapLayers = r.layers
        var mapSVG = ""
        var maps: [HeatMap] = []
        for l in mapLayers {
            let rows = l.meanSpectra.map { s -> [Double] in
                let peak = Double(s.max() ?? 0)
                return s.map { peak > 0 ? Double($0) / peak : 0 }
            }
            let maxHz = l.frequenciesHz.last ?? 1
            maps.append(HeatMap(title: "\(l.layer.name) (\(l.layer.className), \(format(l.layer.samplingRateHz)) Hz)", xLabel: "frequency (BPM)",
                                yLabel: "channel", values: rows, xRange: 0...(maxHz * 60), yRange: 0...Double(l.layer.channels),
                                colorLabel: "amplitude / channel peak"))
        }
        let mapWidth = 520.0, mapHeight = 300.0, columns = 3
        let mapRows = (maps.count + columns - 1) / columns
        mapSVG = SVGDocument(width: mapWidth * Double(columns), height: mapHeight * Double(mapRows) + 40) { doc in
            doc += "<text x=\"\(f(mapWidth * Double(columns) / 2))\" y=\"24\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">Layer-by-layer spectra of \(escape(modelName)), mean over \(r.estimates.count) windows</text>\n"
            for (i, m) in maps.enumerated() {
                m.body(&doc, x: Double(i % columns) * mapWidth, y: 40 + Double(i / columns) * mapHeight, width: mapWidth, height: mapHeight)
            }
        }.text
        figures.append(ReportFigure(fileName: "layer_map.svg",
                                    caption: "Channels × frequency for every layer with a time axis (mean amplitude spectrum over windows, each channel scaled to its own peak; frequency axis up to each layer's Nyquist). The column at 0 BPM is the DC.",
                                    svg: mapSVG))
        // (c) DC prominence per layer.
        let names = r.layers.map(\.layer.name)
        figures.append(ReportFigure(fileName: "dc_prominence.svg",
                                    caption: "DC prominence per layer: DC power fraction DC²/mean square (relu(A·cos) gives 4/π² ≈ 0.405), and the share of (window, channel) pairs whose largest spectral component is the DC. Dead channels are left out.",
                                    svg: BarChart(title: "DC prominence per layer", yLabel: "fraction",
                                                  categories: names,
                                                  groups: [("DC power fraction", r.layers.map(\.dcPowerFraction)),
                                                           ("share with DC the largest component", r.layers.map(\.dcDominantShare))],
                                                  yRange: 0...1).svg(width: 980, height: 460)))
        // Where the DC of each activated layer comes from: the convolution, and the activation, in
        // units of the pre-activation's RMS (layers' scales differ by orders of magnitude).
        let activated = r.layers.compactMap { l -> (LayerSummary, Double)? in
            guard l.dcAddedByActivation != nil, let pre = r.layers.first(where: { $0.layer.tapName == l.layer.preactivationTap }),
                  pre.rootMeanSquare > 0 else { return nil }
            return (l, pre.rootMeanSquare)
        }
        if !activated.isEmpty {
            let fromConvolution = activated.map { ($0.0.dcFromConvolution ?? .nan) / $0.1 }
            let added = activated.map { ($0.0.dcAddedByActivation ?? .nan) / $0.1 }
            let shown = (fromConvolution + added).filter(\.isFinite)
            // Headroom above the bars for the legend.
            let range = 1.1 * min(0, shown.min() ?? 0)...max(1.35 * max(0, shown.max() ?? 0), 0.1)
            figures.append(ReportFigure(fileName: "dc_added_by_activation.svg",
                                        caption: "Where each activated layer's DC comes from (mean over windows and channels, divided by the pre-activation's RMS): the DC its pre-activation already has (the convolution's bias and its response to the input's DC), and the DC added by the activation, DC(output) − DC(pre-activation). ReLU on a zero-mean cosine adds √2/π ≈ 0.45 of its RMS; `ppgscope paper activations` gives every activation's DC against the amplitude.",
                                        svg: BarChart(title: "DC added by the activation, per layer (÷ pre-activation RMS)", yLabel: "mean DC / RMS of the pre-activation",
                                                      categories: activated.map { "\($0.0.layer.name) (\($0.0.layer.activation ?? ""))" },
                                                      groups: [("DC from the convolution (pre-activation)", fromConvolution),
                                                               ("DC added by the activation", added)], yRange: range)
                                            .svg(width: 980, height: 460)))
        }
        // (d) DC vs HR for the strongest channels.
        if let scatter = r.dcScatter {
            let hasReference = r.estimates.contains { $0.referenceBPM != nil }
            let panels = scatter.channels.indices.map { i in
                LinePlot(title: "channel \(scatter.channels[i]): r = \(String(format: "%.2f", scatter.correlation[i]))",
                         xLabel: hasReference ? "reference HR (BPM)" : "input peak (BPM)", yLabel: "DC",
                         series: [PlotSeries(name: "", x: scatter.referenceBPM, y: scatter.dc[i].map(Double.init),
                                             color: Palette.color(i), pointsOnly: true)])
            }
            figures.append(ReportFigure(fileName: "dc_hr_correlation.svg",
                                        caption: "How the DC carries frequency information: each window's DC of the \(scatter.channels.count) channels of \(scatter.layer) whose DC correlates most with the \(hasReference ? "reference heart rate" : "input's dominant frequency (no reference HR)") across windows (Pearson r in each title).",
                                        svg: PlotGrid(title: "DC vs heart rate, \(scatter.layer)", panels: panels, columns: 4).svg(panelWidth: 300, panelHeight: 220)))
            let perLayer = BarChart(title: "Largest |r(DC, HR)| per layer", yLabel: "max over channels of |r|", categories: names,
                                    groups: [("max |r|", r.layers.map { maxAbs($0.dcHRCorrelation) })], yRange: 0...1)
            figures.append(ReportFigure(fileName: "dc_hr_correlation_layers.svg",
                                        caption: "The largest |DC–HR correlation| of any channel, per layer.",
                                        svg: perLayer.svg(width: 980, height: 460)))
        }
        // (e) Input spectrogram with reference and estimated HR.
        if !r.spectrogram.isEmpty {
            let maxHz = 4.0
            let bins = r.spectrogramFrequenciesHz.filter { $0 <= maxHz }.count
            var values = (0..<bins).map { k in r.spectrogram.map { Double($0[k]) } }
            // Per-column normalisation keeps quiet windows visible.
            for c in 0..<r.spectrogram.count {
                let peak = (0..<bins).map { values[$0][c] }.max() ?? 0
                if peak > 0 { for k in 0..<bins { values[k][c] /= peak } }
            }
            let t0 = r.estimates.first?.endS ?? 0, t1 = r.estimates.last?.endS ?? 1
            var overlays = [PlotSeries(name: "reference", x: r.estimates.map(\.endS), y: r.estimates.map { $0.referenceBPM ?? .nan }, color: "#ffffff")]
            overlays.append(PlotSeries(name: "model", x: r.estimates.map(\.endS), y: r.estimates.map { $0.hrBPM ?? .nan }, color: "#d62728", dashed: true))
            let map = HeatMap(title: "Model input spectrogram with reference (white) and model (red, dashed) HR", xLabel: "time (s, window end)",
                              yLabel: "frequency (BPM)", values: values, xRange: t0...max(t1, t0 + 1), yRange: 0...(maxHz * 60),
                              colorLabel: "amplitude / column peak", overlays: overlays)
            figures.append(ReportFigure(fileName: "spectrogram.svg",
                                        caption: "Spectrogram of the model input (filtered PPG, 8 s Hann windows every 2 s), with the reference HR and the model's estimate overlaid.",
                                        svg: map.svg(width: 900, height: 420)))
        }
        // Ablation.
        if !r.ablation.isEmpty {
            figures.append(ReportFigure(fileName: "dc_ablation.svg",
                                        caption: "DC ablation: MAE of the model when the DC of every activated channel (after a ReLU or any other activation but linear) of a block (or all blocks) is removed, or kept alone. 'none' is the unedited model.",
                                        svg: BarChart(title: "DC ablation", yLabel: "MAE (BPM)", categories: r.ablation.map(\.variant),
                                                      groups: [("MAE", r.ablation.map { $0.mae ?? .nan }),
                                                               ("mean |ΔHR| vs unedited", r.ablation.map(\.meanAbsoluteChangeBPM))]).svg(width: 980, height: 460)))
        }
        return figures
    }

    /// Largest |value| among the finite values (0 when none).
    public static func maxAbs(_ v: [Double]) -> Double { v.filter(\.isFinite).map(abs).max() ?? 0 }
    static func safe(_ s: String) -> String { String(s.map { $0.isLetter || $0.isNumber ? $0 : "_" }) }
    static func format(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(format: "%.3g", x) }
}
