import Foundation
import PPGFormats
import Testing

/// `info`, `hr`, `inspect` and `compare` on models built from the layers beyond KID-PPG's (the
/// seeded fixtures of tools/golden/make_layer_fixtures.py), and the options ppgscope refuses.
@Suite struct LayerModelCommandTests {
    static func model(_ name: String) -> String { CLI.fixture("layers/\(name).h5") }

    @Test func infoDescribesEveryNewLayer() throws {
        let expected: [(String, [String])] = [
            ("batchnorm", ["BatchNormalization ε 0.001 (folded into conv_a)", "BatchNormalization ε 0.01  ", "ReLU", "Add 2 inputs",
                           "GlobalAveragePooling1D", "parameters: 585"]),
            ("conv", ["Conv1D k5 d1 s2 same relu", "Conv1D k3 d2 causal groups 2 relu", "Conv1D k4 d1 s3 valid linear"]),
            ("depthwise", ["DepthwiseConv1D k5 d1 s2 same ×2 relu", "SeparableConv1D k3 d2 same ×2 relu"]),
            ("pooling", ["MaxPooling1D 3/2 same", "GlobalMaxPooling1D", "Concatenate channel axis"]),
            ("shapes", ["ZeroPadding1D 2 + 3", "Cropping1D 1 + 4", "UpSampling1D ×2", "GlobalMaxPooling1D keepdims", "Permute", "Reshape"]),
            ("merge", ["Add 3 inputs", "Subtract", "Multiply", "Average", "Concatenate time axis"]),
            ("activation_layers", ["Activation relu", "ReLU max 1.0 slope 0.1 threshold 0.2", "LeakyReLU slope 0.2", "ELU alpha 0.7",
                                   "PReLU alpha [64, 6]", "PReLU alpha [1, 6]"]),
            ("recurrent", ["LSTM tanh, sigmoid gates, sequences", "GRU tanh, sigmoid gates, reset after, sequences",
                           "GRU tanh, sigmoid gates, reset before, sequences", "LSTM tanh, sigmoid gates, last step"]),
        ]
        for (name, lines) in expected {
            let r = try CLI.run(["info", Self.model(name)])
            #expect(r.status == 0, "\(name): \(r.stderr)")
            for line in lines { #expect(r.stdout.contains(line), "\(name): no '\(line)' in\n\(r.stdout)") }
        }
        // Parameters as Keras counts them (count_params(), BatchNormalization's moving statistics included).
        for (name, count) in [("recurrent", 933), ("depthwise", 291), ("activation_layers", 1754), ("separable_bn_gelu", 329)] {
            let r = try CLI.run(["info", Self.model(name)])
            #expect(r.stdout.contains("parameters: \(count)"), "\(name): \(r.stdout)")
        }
        // The receptive field follows strides, dilations and upsampling: conv k3 (3) → pool 4 (+3) → ×2 keeps 6.
        let shapes = try CLI.run(["info", Self.model("shapes")])
        #expect(shapes.stdout.contains("upsampling           UpSampling1D ×2              [30, 4]  0       16       6 samples"), "\(shapes.stdout)")
    }

    /// `hr` reads one value per window from a BatchNormalization model and a Conv+LSTM+GRU model
    /// (windows of the model's 64 samples, 2 s at 32 Hz, every 2 s).
    @Test(arguments: ["batchnorm", "recurrent", "separable_bn_gelu"])
    func hrRunsOnModelsWithTheNewLayers(_ name: String) throws {
        let dir = try CLI.temporaryDirectory("hr-\(name)")
        let r = try CLI.run(["hr", "--model", Self.model(name), "--recording", "data/ppg_dalia_S6_stairs.h5", "--out", dir + "/hr.csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let csv = try String(contentsOfFile: dir + "/hr.csv", encoding: .utf8)
        let rows = csv.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(rows.count > 200, "one row per 2 s window of the 7-minute recording")
    }

    /// `inspect` follows every layer with a time axis (the LSTM's sequence output included) and
    /// writes its report; `compare` puts two such models side by side.
    @Test func inspectAndCompareWorkOnAConvLSTMModel() throws {
        let dir = try CLI.temporaryDirectory("inspect-lstm")
        let r = try CLI.run(["inspect", "--model", Self.model("recurrent"), "--recording", "data/ppg_dalia_S6_stairs.h5",
                             "--out", dir + "/inspect"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try String(contentsOfFile: dir + "/inspect/summary.json", encoding: .utf8)
        for layer in ["conv.preact", "pool", "lstm_sequences", "gru_reset_after", "gru_reset_before"] {
            #expect(summary.contains("\"\(layer)\""), "summary.json lacks \(layer)")
        }
        let c = try CLI.run(["compare", "--model", Self.model("recurrent"), "--model", Self.model("batchnorm"),
                             "--recording", "data/ppg_dalia_S6_stairs.h5", "--out", dir + "/compare"])
        #expect(c.status == 0, "\(c.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/compare/index.html"))
    }

    /// A model whose output is a sequence (not a heart rate): `inspect` follows its layers, `hr` refuses it.
    @Test func aSequenceOutputIsInspectedButIsNotAHeartRate() throws {
        let dir = try CLI.temporaryDirectory("sequence")
        let r = try CLI.run(["inspect", "--model", Self.model("sequence_output"), "--recording", "data/ppg_dalia_S6_stairs.h5",
                             "--out", dir + "/inspect"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try String(contentsOfFile: dir + "/inspect/summary.json", encoding: .utf8)
        #expect(summary.contains("\"conv_a.preact\"") && summary.contains("\"conv_b\""))
        let hr = try CLI.run(["hr", "--model", Self.model("sequence_output"), "--recording", "data/ppg_dalia_S6_stairs.h5",
                              "--out", dir + "/hr.csv"])
        #expect(hr.status == 1)
        #expect(hr.stderr.contains("sequence_output.h5") && hr.stderr.contains("the output [64, 2] is not a heart rate"), "\(hr.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/hr.csv"))
    }

    /// Each Keras option ppgscope does not implement stops the load with the file, the layer and the option named.
    @Test(arguments: [
        ("bad_channels_first.h5", "conv_same (Conv1D): data_format 'channels_first' is not supported"),
        ("bad_return_state.h5", "lstm_last (LSTM): option return_state=true is not supported"),
        ("bad_stateful.h5", "gru_reset_after (GRU): option stateful=true is not supported"),
        ("bad_renorm.h5", "bn_b (BatchNormalization): option renorm=true is not supported"),
    ])
    func refusedOptionsAreNamed(file: String, message: String) throws {
        let dir = try CLI.temporaryDirectory("refused")
        let r = try CLI.run(["hr", "--model", CLI.fixture("layers/" + file), "--recording", "data/ppg_dalia_S6_stairs.h5",
                             "--out", dir + "/hr.csv"])
        #expect(r.status == 1)
        #expect(r.stderr.contains(file) && r.stderr.contains(message), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty, "no output written")
    }
}
