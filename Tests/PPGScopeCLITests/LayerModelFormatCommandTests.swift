import Foundation
import Testing

/// The commands read a layer-family model (tools/golden/make_layer_fixtures.py) the same whichever
/// file Keras wrote it to: tf-keras `.h5`, Keras 3 `.keras` or Keras 3 `.h5`.
@Suite struct LayerModelFormatCommandTests {
    static let models = ["conv", "pooling", "batchnorm", "depthwise", "shapes", "merge", "activation_layers", "recurrent",
                         "separable_bn_gelu", "sequence_output"]

    /// `info`'s layer table (classes, options, shapes, parameters, rates, receptive fields) is
    /// the same for the three files; only the file and format lines differ.
    @Test(arguments: models)
    func infoDescribesTheSameModelInEveryFormat(_ name: String) throws {
        var tables: [String: [Substring]] = [:]
        for file in ["\(name).h5", "\(name).keras", "\(name)_keras3.h5"] {
            let r = try CLI.run(["info", CLI.fixture("layers/" + file)])
            #expect(r.status == 0, "\(file): \(r.stderr)")
            let lines = r.stdout.split(separator: "\n")
            #expect(lines.count > 6, "\(file): \(r.stdout)")
            #expect(lines.dropFirst().first?.hasPrefix(file.hasSuffix(".keras") ? "format: Keras 3 .keras archive (keras 3."
                                                       : file.contains("keras3") ? "format: Keras HDF5 model (keras 3."
                                                       : "format: Keras HDF5 model (keras 2.") ?? false, "\(file): \(r.stdout)")
            tables[file] = Array(lines.dropFirst(2))
        }
        #expect(tables["\(name).keras"] == tables["\(name).h5"], "\(name).keras and \(name).h5 are described differently")
        #expect(tables["\(name)_keras3.h5"] == tables["\(name).h5"], "\(name)_keras3.h5 and \(name).h5 are described differently")
    }

    /// `hr` on the Keras 3 files of a Conv+LSTM+GRU model writes the tf-keras file's estimates.
    @Test func hrGivesTheSameEstimatesFromEveryFormat() throws {
        let dir = try CLI.temporaryDirectory("hr-formats")
        var estimates: [String: [Substring]] = [:]
        for file in ["recurrent.h5", "recurrent.keras", "recurrent_keras3.h5"] {
            let out = "\(dir)/\(file).csv"
            let r = try CLI.run(["hr", "--model", CLI.fixture("layers/" + file), "--recording", "data/ppg_dalia_S6_stairs.h5", "--out", out])
            #expect(r.status == 0, "\(file): \(r.stderr)")
            // Comment lines name the model file; the rows are the estimates.
            estimates[file] = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        }
        #expect((estimates["recurrent.h5"]?.count ?? 0) > 200)
        #expect(estimates["recurrent.keras"] == estimates["recurrent.h5"])
        #expect(estimates["recurrent_keras3.h5"] == estimates["recurrent.h5"])
    }
}
