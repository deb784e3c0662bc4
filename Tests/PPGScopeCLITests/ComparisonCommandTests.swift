import Foundation
import PPGFormats
import PPGSignals
import Testing

/// compare and paper real-cnn end to end.
@Suite struct ComparisonCommandTests {
    @Test func compareTwoModelsOnOneRecording() throws {
        let dir = try CLI.temporaryDirectory("compare")
        let r = try CLI.run(["compare", "--model", "models/kid_ppg_weights.h5", "--model", "models/relu_dc_model_S5.h5",
                             "--recording", "data/ppg_dalia_S6_stairs.h5", "--out", dir + "/cmp"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/cmp/summary.json"))) as? [String: Any]
        let layers = summary?["layers"] as? [[String: Any]] ?? []
        // Paired by position: 21 branch layers (conv pre/post, pooling) plus attention and normalisation.
        #expect(layers.count >= 21, "\(layers.count) layer pairs")
        #expect(layers.first?["a"] as? String == "model_52/conv1d_117.preact" && layers.first?["b"] as? String == "model_20/conv1d_45.preact")
        for f in ["index.html", "compare_spectra.svg", "compare_dc.svg", "compare_bandwidth.svg", "a/index.html", "b/summary.json"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/cmp/" + f), "\(f) missing")
        }
    }

    @Test func compareNeedsTwoOfSomething() throws {
        let r = try CLI.run(["compare", "--model", "models/relu_dc_model_S5.h5", "--recording", "data/ppg_dalia_S6_stairs.h5", "--out", "/tmp/x"])
        #expect(r.status == 64)
    }

    @Test func paperRealCNNShowsBothModels() throws {
        let dir = try CLI.temporaryDirectory("realcnn")
        let r = try CLI.run(["paper", "real-cnn", "--out", dir + "/v-b"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("S5") && r.stdout.contains("model_20/conv1d_47") && r.stdout.contains("model_53/conv1d_122"))
        let figures = try FileManager.default.contentsOfDirectory(atPath: dir + "/v-b").filter { $0.hasSuffix(".svg") }
        #expect(figures.count == 4, "block 1 and block 2 views of both models: \(figures)")
    }
}
