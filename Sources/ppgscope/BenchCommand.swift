import ArgumentParser
import Foundation
import PPGCompute
import PPGAnalysis
import PPGFormats
import PPGNetwork
import PPGSignals

/// `ppgscope bench`: throughput and latency of the forward pass, medians over repeated runs.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure forward-pass speed on the real models (median and min–max of repeated runs).",
        discussion: """
        Build in release mode first: swift build -c release && .build/release/ppgscope bench. \
        Inputs are the real S6 windows when the recording is present, else seeded noise windows.
        """)

    @Option(help: "KID-PPG-style pair model.") var kidppg = "models/kid_ppg_weights.h5"
    @Option(help: "Single-input model.") var s5 = "models/relu_dc_model_S5.h5"
    @Option(help: "Recording whose PPG windows are used.") var recording = "data/ppg_dalia_S6_stairs.h5"
    @Option(help: "Timed repetitions per figure.") var repeats = 9
    @Option(help: "Only the figures whose name contains this text (for profiling one figure).") var only: String?
    @Flag(help: "Print JSON instead of a table.") var json = false
    @Flag(name: .customLong("regression-check"), help: "Only compare the production conv kernel with a plain loop on the same data; exit 1 if it is less than --minimum-ratio times faster.")
    var regressionCheck = false
    @Option(name: .customLong("minimum-ratio"), help: "Smallest acceptable plain-loop/production time ratio for --regression-check.") var minimumRatio: Double = 10
    @Option(name: .customLong("model"), help: "Time only this single-window model (repeatable): batched, on one core, and one window per call, on the recording's windows of the model's length every 2 s.")
    var models: [String] = []

    func run() throws {
        if regressionCheck { return try runRegressionCheck() }
        if !models.isEmpty { return try report(try models.flatMap(modelFigures), inputs: "the model's windows every 64 samples of \(recording)") }
        let windows = try benchWindows()
        let m = windows.count / 256
        var rows: [BenchFigure] = []

        let kid = try KerasModelFile.load(kidppg)
        let split = try WindowPairSplit(kid).unwrap(kidppg, "not a pair model")
        let single = Tensor(shape: [m, 256, 1], values: windows)
        var pairs: [Float] = []
        pairs.reserveCapacity((m - 1) * 512)
        for k in 0..<(m - 1) { for s in 0..<256 { pairs.append(windows[k * 256 + s]); pairs.append(windows[(k + 1) * 256 + s]) } }
        let pairTensor = Tensor(shape: [m - 1, 256, 2], values: pairs)

        // The S6 windows are consecutive 8 s windows every 2 s (64 samples): the conv rows they
        // share are computed once (`OverlapReuse`); the "every row" figures compute each window in full.
        rows.append(try measure("KID-PPG batched, shared branches and rows (ms per pair)", perItem: m - 1) {
            _ = try split.consecutivePairs(single, windowShift: 64)
        })
        rows.append(try measure("KID-PPG batched, shared branches, every row (ms per pair)", perItem: m - 1) {
            _ = try split.consecutivePairs(single)
        })
        rows.append(try measure("KID-PPG batched, pairs as given (ms per pair)", perItem: m - 1) {
            _ = try kid.forward(pairTensor)
        })
        let batch64 = pairTensor.windows(0..<min(64, m - 1))
        rows.append(try measure("KID-PPG batch of 64 pairs (ms per pair)", perItem: batch64.batch) {
            _ = try kid.forward(batch64)
        })
        // One item per call, as the peers measure it: every pass times each of the recording's
        // pairs (windows) in turn; a figure is the median, min and max of the per-pass medians.
        let onePairs = (0..<(m - 1)).map { pairTensor.windows($0..<($0 + 1)) }
        rows.append(try measurePerItem("KID-PPG one pair per call (ms)", count: m - 1) { k in
            _ = try kid.forward(onePairs[k], workers: 1)
        })
        let oneWindows = (0..<m).map { single.windows($0..<($0 + 1)) }
        let allFeatures = try split.features(single).features
        let windowFeatures = (0..<m).map { allFeatures.windows($0..<($0 + 1)) }
        var stream = WindowPairStream(split, windowShift: 64)
        let windowValues = oneWindows.map(\.values)
        rows.append(try measurePerItem("KID-PPG streaming: one new window, previous window cached (ms)", count: m - 1) { k in
            if k == 0 {
                stream.reset()
                _ = try stream.push(windowValues[0])
            }
            _ = try stream.push(windowValues[k + 1])
        })
        rows.append(try measurePerItem("KID-PPG streaming, every row: previous features cached (ms)", count: m - 1) { k in
            let f = try split.features(oneWindows[k + 1], workers: 1).features
            _ = try split.head(previous: windowFeatures[k], current: f, workers: 1)
        })
        rows.append(try measurePerItem("  of which the conv blocks of the new window (ms)", count: m - 1) { k in
            _ = try split.features(oneWindows[k + 1], workers: 1)
        })
        rows.append(try measurePerItem("  of which the head on the cached and new features (ms)", count: m - 1) { k in
            _ = try split.head(previous: windowFeatures[k], current: windowFeatures[k + 1], workers: 1)
        })

        // The classic baseline of `hr`: Hann-windowed spectrum, zero-padded to 2048, peak in 30–210 BPM.
        rows.append(measurePerItem("spectral-peak baseline, one window (ms)", count: m) { n in
            _ = SpectralPeak.estimate(windowValues[n], samplingRateHz: 32, options: SpectralPeakOptions())
        })

        // The beat detector's input: the recording's PPG (32 Hz) at 100 Hz, by libsamplerate's
        // fastest sinc and by the polyphase Kaiser sinc that replaced it for rational ratios.
        let ppg32 = Channel(name: "ppg", samplingRateHz: 32, samples: windows)
        rows.append(try measure("resample 32→100 Hz, windows end to end: libsamplerate fastest (ms)", perItem: 1) {
            _ = try Resampling.resampledToDouble(ppg32, to: 100, quality: .fastest)
        })
        let upsampler = try RationalUpsampler(fromHz: 32, toHz: 100).unwrap("RationalUpsampler", "no 25/8 ratio")
        rows.append(measure("resample 32→100 Hz, windows end to end: RationalUpsampler (ms)", perItem: 1) {
            _ = upsampler.resample(windows)
        })

        // Spectra and DC metrics of every tap of one window (the inspect workload per window).
        let inspected = LayerInspector.layers(of: kid, inputRateHz: 32)
        let oneWindowTaps = try split.features(single.windows(1..<2), taps: .named(LayerInspector.requiredTaps(inspected)), workers: 1).taps
        rows.append(measure("spectra + DC metrics of every branch tap of one window (ms)", perItem: 1) {
            LayerInspector(layers: inspected).add(taps: oneWindowTaps, count: 1, referenceBPM: [150])
        })

        let s5Model = try KerasModelFile.load(s5)
        rows.append(try measure("S5 batched, shared rows (ms per window)", perItem: m) { _ = try s5Model.forward(single, windowShift: 64) })
        rows.append(try measure("S5 batched, every row (ms per window)", perItem: m) { _ = try s5Model.forward(single) })
        rows.append(try measure("S5 batched on one core (ms per window)", perItem: m) { _ = try s5Model.forward(single, workers: 1) })
        let s5Batch = single.windows(0..<min(64, m))
        rows.append(try measure("S5 batch of 64 (ms per window)", perItem: s5Batch.batch) { _ = try s5Model.forward(s5Batch) })
        rows.append(try measurePerItem("S5 one window per call (ms)", count: m) { n in _ = try s5Model.forward(oneWindows[n], workers: 1) })

        // Each distinct KID-PPG conv layer shape, both backends, on 4 windows (a batch chunk) and on
        // one window (streaming): the evidence for using the direct kernel instead of the BLAS.
        var seenShapes = Set<String>()
        for node in kid.nodes {
            guard case .conv1D(let layer) = node.operation, layer.stride == 1 else { continue }
            let length = node.outputShape[0]
            let shape = "\(layer.inChannels)→\(layer.outChannels) × \(length)"
            guard seenShapes.insert(shape).inserted else { continue }
            for count in [4, 1] {
                let x = (0..<(count * length * layer.inChannels)).map { Float(($0 * 7919) % 2001) / 1000 - 1 }
                for backend in ConvolutionBackend.allCases where backend == .blas || ConvolutionBackend.directAvailable {
                    rows.append(measure("conv \(shape), \(count) window\(count == 1 ? "" : "s"): \(backend) (µs per window)", perItem: count, unit: 1e3) {
                        _ = layer.forward(x, windows: count, length: length, backend: backend)
                    })
                }
            }
        }

        try report(rows, inputs: "\(m) windows (\(FileManager.default.fileExists(atPath: recording) ? recording : "seeded noise"))")
    }

    /// Prints the figures as a table, or as JSON with `--json`.
    func report(_ rows: [BenchFigure], inputs: String) throws {
        if json {
            let data = try JSONEncoder().encode(rows.filter { !$0.medianMs.isNaN })
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("command: " + CommandLine.arguments.joined(separator: " "))
            print("ppgscope bench: \(inputs), \(repeats) runs, \(ProcessInfo.processInfo.activeProcessorCount) cores, OpenBLAS \(BLASLibrary.hasThreadPool ? "pthread" : "serial") (\(BLASLibrary.coreName ?? "?")), conv backend \(ConvolutionBackend.preferred)")
            for r in rows where !r.medianMs.isNaN {
                print(r.name.padding(toLength: 68, withPad: " ", startingAt: 0)
                      + String(format: "median %8.4f  min %8.4f  max %8.4f   (%7.0f per s)", r.medianMs, r.minMs, r.maxMs, 1000 / r.medianMs))
            }
        }
    }

    /// Figures for one single-window model (`--model`): its windows are the recording's PPG cut to
    /// the model's input length every 64 samples (2 s at 32 Hz).
    func modelFigures(_ path: String) throws -> [BenchFigure] {
        let network = try KerasModelFile.load(path)
        guard network.inputShape[1] == 1 else { throw PPGScopeError(file: path, "bench --model takes single-window models ([time, 1] input)") }
        let length = network.inputShape[0]
        let samples = try benchSamples()
        let count = (samples.count - length) / 64 + 1
        var values: [Float] = []
        for w in 0..<count { values += samples[(w * 64)..<(w * 64 + length)] }
        let windows = Tensor(shape: [count, length, 1], values: values)
        let one = (0..<count).map { windows.windows($0..<($0 + 1)) }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return [
            try measure("\(name) batched (ms per window)", perItem: count) { _ = try network.forward(windows) },
            try measure("\(name) batched on one core (ms per window)", perItem: count) { _ = try network.forward(windows, workers: 1) },
            try measurePerItem("\(name) one window per call (ms)", count: count) { n in _ = try network.forward(one[n], workers: 1) },
        ]
    }

    /// A cheap in-process ratio that does not depend on the machine's absolute speed: KID-PPG's
    /// block-1 conv (32 → 32 channels, kernel 5, dilation 2, causal) on 16 windows, the production
    /// kernel (direct AVX-512F or BLAS) vs the plain loop of `NaiveReference`.
    func runRegressionCheck() throws {
        var state: UInt64 = 7
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2001) / 1000 - 1
        }
        let layer = Conv1DLayer(kernel: (0..<(5 * 32 * 32)).map { _ in next() }, bias: (0..<32).map { _ in next() },
                                kernelSize: 5, inChannels: 32, outChannels: 32, dilation: 2, padding: .causal, activation: .linear)
        let x = (0..<(16 * 256 * 32)).map { _ in next() }
        let fast = measure("conv 32→32 k5 d2, 16 windows: \(ConvolutionBackend.preferred) kernel (ms)", perItem: 1) {
            _ = layer.forward(x, windows: 16, length: 256)
        }
        let naive = measure("conv 32→32 k5 d2, 16 windows: direct loop (ms)", perItem: 1) {
            _ = NaiveReference.conv1D(layer, input: x, windows: 16, length: 256)
        }
        let ratio = naive.medianMs / fast.medianMs
        print("regression check: \(ConvolutionBackend.preferred) conv kernel"
              + String(format: " %.3f ms, plain loop %.3f ms, ratio %.1f (minimum %.1f)", fast.medianMs, naive.medianMs, ratio, minimumRatio))
        if ratio < minimumRatio { throw ExitCode(1) }
    }

    /// PPG windows [M × 256]: the recording's 8 s windows with 2 s shift, or seeded noise.
    func benchWindows() throws -> [Float] {
        if FileManager.default.fileExists(atPath: recording) {
            let samples = try benchSamples()
            let count = (samples.count - 256) / 64 + 1
            var out: [Float] = []
            for w in 0..<count { out += samples[(w * 64)..<(w * 64 + 256)] }
            return out
        }
        var state: UInt64 = 42
        return (0..<(215 * 256)).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2000) / 1000 - 1
        }
    }

    /// The recording's PPG samples (32 Hz).
    func benchSamples() throws -> [Float] {
        let rec = try RecordingHDF5.read(recording)
        guard let ppg = rec.channel("ppg") ?? rec.channels.first else { throw PPGScopeError(file: recording, "no channels") }
        return Array(ppg.samples)
    }

    /// For calls on one item each: `repeats` passes (after a warm-up pass) that time `body(i)` for
    /// every item i; median, min and max of the per-pass medians, in ms.
    func measurePerItem(_ name: String, count: Int, _ body: (Int) throws -> Void) rethrows -> BenchFigure {
        if let only, !name.contains(only) { return .skipped(name) }
        for i in 0..<count { try body(i) }
        var medians: [Double] = []
        var times = [Double](repeating: 0, count: count)
        for _ in 0..<repeats {
            for i in 0..<count {
                let start = DispatchTime.now().uptimeNanoseconds
                try body(i)
                times[i] = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            }
            medians.append(times.sorted()[count / 2])
        }
        medians.sort()
        return BenchFigure(name: name, medianMs: medians[medians.count / 2], minMs: medians.first!, maxMs: medians.last!)
    }

    /// Median, min and max of `repeats` timed runs after one warm-up, in ms per item (× `unit`).
    func measure(_ name: String, perItem: Int, unit: Double = 1, _ body: () throws -> Void) rethrows -> BenchFigure {
        if let only, !name.contains(only) { return .skipped(name) }
        try body() // warm-up
        var times: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(perItem) * unit)
        }
        times.sort()
        return BenchFigure(name: name, medianMs: times[times.count / 2], minMs: times.first!, maxMs: times.last!)
    }
}

struct BenchFigure: Codable {
    var name: String
    var medianMs: Double
    var minMs: Double
    var maxMs: Double

    /// A figure left out by `--only` (NaN times, not printed).
    static func skipped(_ name: String) -> BenchFigure { BenchFigure(name: name, medianMs: .nan, minMs: .nan, maxMs: .nan) }
}

extension Optional {
    func unwrap(_ file: String, _ message: String) throws -> Wrapped {
        guard let value = self else { throw PPGScopeError(file: file, message) }
        return value
    }
}
