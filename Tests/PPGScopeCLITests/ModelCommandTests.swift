import Foundation
import PPGFormats
import PPGSignals
import Testing

/// `ppgscope info` and `ppgscope activations` on real and broken model files.
@Suite struct ModelCommandTests {
    @Test func infoDescribesTheRealKIDPPGModel() throws {
        let r = try CLI.run(["info", "models/kid_ppg_weights.h5"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("parameters: 377554"))
        #expect(r.stdout.contains("model_52@1/conv1d_117"))
        // Block 3's last conv sees 320 input samples = 10 s at 32 Hz.
        #expect(r.stdout.contains("320 samples = 10 s"))
    }

    @Test func infoDescribesTheS5Model() throws {
        let r = try CLI.run(["info", "models/relu_dc_model_S5.h5"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("parameters: 147473"))
    }

    @Test(arguments: [
        ("bad_unsupported_layer.h5", "layer class 'ConvLSTM1D' is not supported; ppgscope runs "),
        ("bad_weight_shape.h5", "weight 'kernel' has shape [6, 1, 6], the layer needs [5, 1, 6]"),
        ("bad_missing_weight.h5", "missing dataset"),
    ])
    func brokenModelFilesGiveAClearError(file: String, message: String) throws {
        let r = try CLI.run(["info", CLI.fixture(file)])
        #expect(r.status == 1)
        #expect(r.stderr.contains(file), "the error names the file: \(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }

    @Test func truncatedModelFileGivesAClearError() throws {
        let dir = try CLI.temporaryDirectory("truncated")
        let data = try Data(contentsOf: URL(fileURLWithPath: CLI.fixture("variant_single.h5")))
        let path = dir + "/truncated.h5"
        try data.prefix(data.count / 3).write(to: URL(fileURLWithPath: path))
        let r = try CLI.run(["info", path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("truncated.h5"), "\(r.stderr)")
    }

    @Test func activationsWritesEveryTapAndTheOutputs() throws {
        let dir = try CLI.temporaryDirectory("activations")
        let out = dir + "/taps.h5"
        let r = try CLI.run(["activations", "--model", "models/relu_dc_model_S5.h5",
                             "--inputs", CLI.fixture("golden_s5.h5") + ":inputs", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let file = try HDF5File.open(out)
        let golden = try HDF5File.open(CLI.fixture("golden_s5.h5"))
        // Every Keras tap, in order, the Dense pre-activations included.
        let names = try file.stringsAttribute("/", "tap_names")
        #expect(names == (try golden.stringsAttribute("/", "tap_names")))
        #expect(names.contains("dense_10.preact"))
        let mine = try file.readFloats("outputs"), keras = try golden.readFloats("outputs")
        #expect(mine.shape == keras.shape)
        for i in keras.values.indices { #expect(abs(mine.values[i] - keras.values[i]) <= 0.01) }
        let conv = try file.readFloats("taps/model_20/conv1d_45.preact")
        #expect(conv.shape == [6, 256, 32])
    }

    @Test func activationsRefusesInputsOfTheWrongShapeAndWritesNothing() throws {
        let dir = try CLI.temporaryDirectory("wrongshape")
        let out = dir + "/taps.h5"
        // KID-PPG needs [N, 256, 2]; the S5 fixture's inputs are [6, 256, 1].
        let r = try CLI.run(["activations", "--model", "models/kid_ppg_weights.h5",
                             "--inputs", CLI.fixture("golden_s5.h5"), "--out", out])
        #expect(r.status == 1)
        #expect(r.stderr.contains("golden_s5.h5") && r.stderr.contains("expected shape [N, 256, 2]"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty, "no partial output")
    }

    @Test func missingModelFileIsAClearError() throws {
        let r = try CLI.run(["activations", "--model", "models/nope.h5", "--inputs", CLI.fixture("golden_s5.h5"), "--out", "/tmp/x.h5"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("models/nope.h5: no such file"), "\(r.stderr)")
    }

    @Test func unknownOptionIsAUsageError() throws {
        let r = try CLI.run(["activations", "--modle", "x"])
        #expect(r.status == 64)
    }
}

/// `ppgscope activations` over all 214 raw S6 pairs reproduces Keras' HR of every pair.
@Suite struct S6PairsTests {
    @Test func everyS6PairMatchesKerasWithin0_01BPM() throws {
        let ppg = try s6PPG()
        var pairs: [Float] = []
        for n in 1..<215 {
            for t in 0..<256 { pairs.append(ppg[(n - 1) * 64 + t]); pairs.append(ppg[n * 64 + t]) }
        }
        let dir = try CLI.temporaryDirectory("s6pairs")
        let inputs = dir + "/pairs.h5", out = dir + "/out.h5"
        let file = try HDF5File.create(inputs)
        try file.write("pairs", shape: [214, 256, 2], floats: pairs)
        file.close()
        let r = try CLI.run(["activations", "--model", "models/kid_ppg_weights.h5", "--inputs", inputs + ":pairs",
                             "--out", out, "--taps", "dense_27"])
        #expect(r.status == 0, "\(r.stderr)")
        let outputs = try HDF5File.open(out).readFloats("outputs")
        #expect(outputs.shape == [214, 2])
        let keras = try HDF5File.open(CLI.fixture("kidppg_s6_pairs.h5"))
        let mean = try keras.readDoubles("hr_mean").values, std = try keras.readDoubles("hr_std").values
        for k in 0..<214 {
            #expect(abs(Double(outputs.values[2 * k]) - mean[k]) <= 0.01, "pair \(k + 1) mean")
            #expect(abs(Double(outputs.values[2 * k + 1]) - std[k]) <= 0.01, "pair \(k + 1) std")
        }
    }
}

/// The S5 model over all 215 raw S6 windows reproduces Keras' HR of every window.
@Suite struct S6WindowsS5Tests {
    @Test func everyS6WindowMatchesKerasWithin0_01BPM() throws {
        let ppg = try s6PPG()
        var windows: [Float] = []
        for n in 0..<215 { windows += ppg[(n * 64)..<(n * 64 + 256)] }
        let dir = try CLI.temporaryDirectory("s5windows")
        let file = try HDF5File.create(dir + "/windows.h5")
        try file.write("inputs", shape: [215, 256, 1], floats: windows)
        file.close()
        let r = try CLI.run(["activations", "--model", "models/relu_dc_model_S5.h5", "--inputs", dir + "/windows.h5",
                             "--out", dir + "/out.h5", "--taps", "dense_11"])
        #expect(r.status == 0, "\(r.stderr)")
        let mine = try HDF5File.open(dir + "/out.h5").readFloats("outputs").values
        let keras = try HDF5File.open(CLI.fixture("s5_s6_windows.h5")).readDoubles("outputs").values
        #expect(mine.count == 215 && keras.count == 215)
        for n in 0..<215 { #expect(abs(Double(mine[n]) - keras[n]) <= 0.01, "window \(n)") }
    }
}

/// The fetched S6 recording's raw PPG; a missing file fails the test (it is never skipped).
func s6PPG() throws -> [Float] {
    let path = CLI.repository + "/data/ppg_dalia_S6_stairs.h5"
    guard FileManager.default.fileExists(atPath: path) else {
        throw CLIFixtureMissing(path: path)
    }
    return try #require(try RecordingIO.read(path).channel("ppg")).samples
}

struct CLIFixtureMissing: Error, CustomStringConvertible {
    let path: String
    var description: String { "\(path) is missing: run scripts/fetch-kid-ppg first" }
}
