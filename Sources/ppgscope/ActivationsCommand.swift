import ArgumentParser
import Foundation
import PPGFormats
import PPGNetwork
import PPGSignals

/// `ppgscope activations`: run raw model inputs and write every layer tap.
struct ActivationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activations",
        abstract: "Run raw model inputs through a Keras model and write every layer's output (taps).",
        discussion: """
        The inputs are used as they are (no preprocessing): Float32 [N, time, channels] matching the \
        model input. The output HDF5 has one dataset per tap under taps/<keras layer path> \
        (conv pre-activations as <layer>.preact), `outputs` [N, D], and the root attribute tap_names.
        """)

    @Option(help: "Keras HDF5 model file.")
    var model: String

    @Option(help: "HDF5 file with the inputs, as FILE or FILE:DATASET (default dataset: inputs).")
    var inputs: String

    @Option(help: "Output HDF5 file.")
    var out: String

    @Option(help: "Only these taps (comma-separated tap names); default all.")
    var taps: String?

    func run() throws {
        let network = try KerasModelFile.load(model)
        let (path, dataset) = Self.splitDatasetPath(inputs, defaultDataset: "inputs")
        let file = try HDF5File.open(path)
        let (shape, values) = try file.readFloats(dataset)
        file.close()
        guard shape.count == 3, Array(shape.dropFirst()) == network.inputShape else {
            throw PPGScopeError(file: path, object: dataset,
                                "expected shape [N, \(network.inputShape[0]), \(network.inputShape[1])] for model \(model), found \(shape)")
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw PPGScopeError(file: path, object: dataset, "value \(bad) is not finite")
        }
        let selection: TapSelection = taps.map { .named(Set($0.split(separator: ",").map(String.init))) } ?? .all
        if case .named(let names) = selection {
            let known = Set(network.tapNames)
            if let unknown = names.first(where: { !known.contains($0) }) {
                throw ValidationError("unknown tap '\(unknown)'; `ppgscope info \(model)` lists the layers")
            }
        }
        let result = try network.forward(Tensor(shape: shape, values: values), taps: selection)
        let tapOrder = network.tapNames.filter { result.taps[$0] != nil }
        try AtomicOutput.file(out) { temporary in
            let output = try HDF5File.create(temporary)
            defer { output.close() }
            try output.write("outputs", shape: result.output.shape, floats: result.output.values)
            for name in tapOrder {
                let tensor = result.taps[name]!
                try output.write("taps/" + name, shape: tensor.shape, floats: tensor.values)
            }
            try output.setAttribute("/", "tap_names", strings: tapOrder)
            try output.setAttribute("/", "model", string: model)
        }
        print("wrote \(out): \(tapOrder.count) taps and outputs \(result.output.shape) for \(shape[0]) inputs")
    }

    /// `file.h5:dataset` → (file, dataset); a path that exists as given is a file.
    static func splitDatasetPath(_ spec: String, defaultDataset: String) -> (String, String) {
        if FileManager.default.fileExists(atPath: spec) { return (spec, defaultDataset) }
        if let colon = spec.lastIndex(of: ":") {
            return (String(spec[..<colon]), String(spec[spec.index(after: colon)...]))
        }
        return (spec, defaultDataset)
    }
}
