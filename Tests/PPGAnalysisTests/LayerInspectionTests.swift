import Foundation
import PPGAnalysis
@testable import PPGNetwork
import PPGSignals
import Testing

/// DC metrics on hand-built activations with known answers.
@Suite struct LayerInspectionTests {
    /// A [time, 3] layer at 32 Hz: channel 0 = relu(A·cos) at an exact bin, channel 1 dead, channel 2 constant.
    func handBuilt(time: Int = 1024, bin: Int = 4, amplitude: Float = 2, constant: Float = 0.7, windows: Int = 1, dcSlope: Float = 0) -> (InspectedLayer, [String: Tensor]) {
        let layer = InspectedLayer(name: "block/conv", tapName: "block/conv", className: "Conv1D", samplingRateHz: 32,
                                   timeSteps: time, channels: 3, preactivationTap: "block/conv.preact", bias: [0.1, 0, 0.7])
        var post: [Float] = [], pre: [Float] = []
        for w in 0..<windows {
            for t in 0..<time {
                let c = amplitude * Float(cos(2 * Double.pi * Double(bin * t) / Double(time)))
                post += [max(c, 0) + dcSlope * Float(w), 0, constant]
                pre += [c + dcSlope * Float(w), -1, constant]
            }
        }
        return (layer, ["block/conv": Tensor(shape: [windows, time, 3], values: post),
                        "block/conv.preact": Tensor(shape: [windows, time, 3], values: pre)])
    }

    @Test func reluOfACosineHasTheClosedFormDCFractionAndRatio() throws {
        let (layer, taps) = handBuilt()
        let inspector = LayerInspector(layers: [layer])
        inspector.add(taps: taps, count: 1, referenceBPM: [7.5])  // bin 4 of 1024 at 32 Hz = 0.125 Hz = 7.5 BPM
        let s = try #require(inspector.summaries().first)
        // Live channels: relu(A cos) (DC fraction 4/π², DC/first harmonic 2/π) and a constant (1 and ∞→ratio counted as 0).
        let expectedFraction = (4 / (Double.pi * Double.pi) + 1) / 2
        #expect(abs(s.dcPowerFraction - expectedFraction) < 2e-3, "\(s.dcPowerFraction)")
        #expect(abs(s.dcToLargestNonDC - (2 / Double.pi) / 2) < 2e-3, "\(s.dcToLargestNonDC)")
        #expect(s.dcDominantShare == 0.5, "the constant's largest component is its DC, the rectified cosine's is its fundamental")
        #expect(s.deadChannelsPerWindow == 1)
        // Pre-activation DC: 0 (cosine), −1, 0.7 → mean −0.1; the ReLU adds A/π to channel 0 and +1 to channel 1.
        #expect(abs(s.dcFromConvolution! - (-0.3 / 3)) < 1e-5)
        #expect(abs(s.dcAddedByActivation! - (2 / Double.pi + 1) / 3) < 1e-4)
        #expect(abs(s.meanBias! - 0.8 / 3) < 1e-6)
        // Mean square over channels: relu(2 cos) has A²/4 = 1, the dead channel 0, the constant 0.49.
        #expect(abs(s.rootMeanSquare - (1.49 / 3).squareRoot()) < 1e-5)
        // relu(A cos) has power only at DC and even harmonics of 2 Hz (plus the fundamental): all within k × HR.
        #expect(s.harmonicShare > 0.99)
    }

    /// Any activation but linear gets its pre-activation tapped and its DC measured; the DC GELU adds
    /// to a cosine of amplitude 1 is its Fourier c₀, 0.177355733164698 (scipy's quad; `paper activations`).
    @Test func everyActivatedConvIsPairedWithItsPreactivationAndGELUsDCIsMeasured() throws {
        func conv(_ activation: Activation, _ cin: Int) -> LayerOperation {
            .conv1D(Conv1DLayer(kernel: [Float](repeating: 0.1, count: cin), bias: [0], kernelSize: 1, inChannels: cin,
                                outChannels: 1, padding: .valid, activation: activation))
        }
        let ops: [LayerOperation] = [conv(.gelu(approximate: false), 1), conv(.linear, 1), conv(.elu(alpha: 0.5), 1), conv(.relu, 1)]
        let nodes = ops.enumerated().map { i, op in
            NetworkNode(name: "c\(i)", operation: op, inputs: [i], output: i + 1, outputShape: [64, 1], timeStep: 1, receptiveField: 1)
        }
        let network = Network(inputShape: [64, 1], nodes: nodes, outputSlot: 4, slotShapes: Array(repeating: [64, 1], count: 5), name: "chain")
        let layers = LayerInspector.layers(of: network, inputRateHz: 32)
        #expect(layers.map(\.name) == ["c0.preact", "c0", "c1", "c2.preact", "c2", "c3.preact", "c3"])
        #expect(layers.map(\.activation) == [nil, "gelu", nil, nil, "elu(alpha=0.5)", nil, "relu"])
        #expect(layers.map(\.preactivationTap) == [nil, "c0.preact", nil, nil, "c2.preact", nil, "c3.preact"])
        #expect(layers[0].className == "Conv1D pre-activation")

        let time = 1024
        let pre = (0..<time).map { Float(cos(2 * Double.pi * Double(8 * $0) / Double(time))) }
        let gelu = Activation.gelu(approximate: false)
        let layer = InspectedLayer(name: "g", tapName: "g", className: "Conv1D", samplingRateHz: 32, timeSteps: time, channels: 1,
                                   preactivationTap: "g.preact", activation: gelu.label)
        let inspector = LayerInspector(layers: [layer])
        inspector.add(taps: ["g": Tensor(shape: [1, time, 1], values: pre.map(gelu.apply)), "g.preact": Tensor(shape: [1, time, 1], values: pre)],
                      count: 1, referenceBPM: [nil])
        let s = try #require(inspector.summaries().first)
        #expect(abs(s.dcAddedByActivation! - 0.17735573316469827) < 1e-6, "\(s.dcAddedByActivation!)")
        #expect(abs(s.dcFromConvolution!) < 1e-6)
    }

    @Test func dcCorrelationFollowsAChannelWhoseDCTracksTheHeartRate() throws {
        let (layer, taps) = handBuilt(windows: 4, dcSlope: 0.25)
        let inspector = LayerInspector(layers: [layer])
        inspector.add(taps: taps, count: 4, referenceBPM: [100, 110, 120, 130])
        let s = try #require(inspector.summaries().first)
        #expect(abs(s.dcHRCorrelation[0] - 1) < 1e-6)
        #expect(s.dcHRCorrelation[2].isNaN, "a constant channel's DC does not vary: correlation undefined")
        // The sampled per-window DCs behind the scatter plot: window-major, one value per channel.
        let (dc, refs) = inspector.dcSamples(0)
        #expect(refs == [100, 110, 120, 130] && dc.count == 4 * 3)
        for w in 1..<4 { #expect(abs((dc[w * 3] - dc[(w - 1) * 3]) - 0.25) < 1e-5, "channel 0 DC rises 0.25 per window") }
        #expect(dc[2] == 0.7 && dc[11] == 0.7)
    }

    @Test func bandwidthOfAPureToneIsItsFrequency() throws {
        let layer = InspectedLayer(name: "x", tapName: "x", className: "AveragePooling1D", samplingRateHz: 8, timeSteps: 64, channels: 1)
        let tone = (0..<64).map { Float(cos(2 * Double.pi * 5 * Double($0) / 64)) }  // bin 5 = 0.625 Hz
        let inspector = LayerInspector(layers: [layer])
        inspector.add(taps: ["x": Tensor(shape: [1, 64, 1], values: tone)], count: 1, referenceBPM: [nil])
        let s = try #require(inspector.summaries().first)
        #expect(s.bandwidth99Hz == 0.625)
        #expect(s.harmonicShare.isNaN, "no reference frequency: no harmonic share")
    }
}

/// Per-window spectra and the per-channel standard-deviation normalisation of the paper's figure.
@Suite struct LayerSpectraOptionsTests {
    @Test func normalisedSpectraDivideByTheChannelStandardDeviationAndKeepEveryWindow() throws {
        let layer = InspectedLayer(name: "x", tapName: "x", className: "AveragePooling1D", samplingRateHz: 8, timeSteps: 64, channels: 1)
        // Window 0: 2·cos at bin 5 (std √2); window 1: 4·cos (std 2√2). Normalised, both read √2 at bin 5.
        var values: [Float] = []
        for w in 0..<2 {
            let amplitude = Double(2 * (w + 1))
            for t in 0..<64 { values.append(Float(amplitude * cos(2 * Double.pi * 5 * Double(t) / 64))) }
        }
        let root2 = Float(2.0.squareRoot())
        let inspector = LayerInspector(layers: [layer], keepPerWindow: true, normaliseByStd: true)
        inspector.add(taps: ["x": Tensor(shape: [2, 64, 1], values: values)], count: 2, referenceBPM: [nil, nil])
        let perWindow = inspector.perWindowSpectra(0)
        #expect(perWindow.count == 2 * 33)
        #expect(abs(perWindow[5] - root2) < 1e-4 && abs(perWindow[33 + 5] - root2) < 1e-4)
        let s = try #require(inspector.summaries().first)
        #expect(abs(s.meanSpectra[0][5] - root2) < 1e-4)
        #expect(s.dcPowerFraction < 1e-8, "DC metrics are computed on the raw activation")
    }
}
