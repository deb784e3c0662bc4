import PPGSignals

/// The Keras layer classes ppgscope runs, and for each the variables it holds in the order Keras
/// creates them — which is the order Keras 3's `model.weights.h5` stores them in, unnamed
/// (`layers/<group>/vars/0`, `vars/1`, …).
///
/// Adding a layer class: parse it in `KerasGraphBuilder.addNode`, and list it here with its
/// variables under the names its parser asks `KerasLayerCall.weight` for; a sub-object that
/// holds some of them (a recurrent layer's `cell`, an attention layer's `query_dense`) is a group.
enum KerasLayerCatalog {
    /// Variables stored together under one sub-path of a layer's weights group.
    struct VariableGroup: Equatable, Sendable {
        /// Path under the layer's group before `vars` ("" for the layer's own, "cell", "query_dense").
        var path: String
        /// Names as the layer parser asks for them, in storage order.
        var names: [String]
    }

    typealias Variables = @Sendable (JSONValue) -> [VariableGroup]

    /// `kernel`, then `bias` when `use_bias` (Conv1D, Dense).
    static let kernelAndBias: Variables = { config in
        [VariableGroup(path: "", names: ["kernel"] + ((config["use_bias"]?.bool ?? true) ? ["bias"] : []))]
    }
    static let none: Variables = { _ in [] }

    /// Every supported class with its variables.
    static let classes: [String: Variables] = [
        "InputLayer": none,
        "Functional": none, "Model": none, "Sequential": none,
        "Conv1D": kernelAndBias,
        "Dense": kernelAndBias,
        "AveragePooling1D": none,
        "Dropout": none, "SpatialDropout1D": none, "GaussianNoise": none, "GaussianDropout": none,
        "ActivityRegularization": none,
        "Flatten": none,
        "SlicingOpLambda": none, "TFOpLambda": none, "Add": none,
        "DistributionLambda": none,
        "LayerNormalization": { config in
            [VariableGroup(path: "", names: ((config["scale"]?.bool ?? true) ? ["gamma"] : [])
                                            + ((config["center"]?.bool ?? true) ? ["beta"] : []))]
        },
        "MultiHeadAttention": { config in
            let bias = config["use_bias"]?.bool ?? true
            return [("query_dense", "query"), ("key_dense", "key"), ("value_dense", "value"), ("output_dense", "attention_output")]
                .map { VariableGroup(path: $0.0, names: ["\($0.1)/kernel"] + (bias ? ["\($0.1)/bias"] : [])) }
        },
    ]

    /// The supported class names, sorted, for error messages.
    static var supportedClassNames: [String] { classes.keys.filter { $0 != "InputLayer" }.sorted() }

    /// The error for a class ppgscope does not run.
    static func unsupported(_ cls: String, layer: String) -> PPGScopeError {
        PPGScopeError(object: "\(layer) (\(cls))",
                      "layer class '\(cls)' is not supported; ppgscope runs \(supportedClassNames.joined(separator: ", "))")
    }

    /// Throws for the first layer, at any depth, whose class is not supported.
    static func checkClasses(_ config: JSONValue) throws {
        for layer in config["layers"]?.array ?? [] {
            let cls = layer["class_name"]?.string ?? "?"
            let name = KerasConfigDialect.layerName(layer) ?? "?"
            guard classes[cls] != nil else { throw unsupported(cls, layer: name) }
            if KerasConfigDialect.isContainer(cls), let inner = layer["config"] { try checkClasses(inner) }
        }
    }
}

/// Where Keras 3's `model.weights.h5` (inside a `.keras` archive) keeps each layer's variables.
///
/// Its groups are not named after the config's layer names: each model's layers are stored as
/// `layers/<class in snake case>` numbered per class in the order of the model's layer list
/// (`conv1d`, `conv1d_1`, …; a nested model `functional` holds its own `layers/…`), and a layer's
/// variables are `vars/0`, `vars/1`, … in creation order (`KerasLayerCatalog`). Operations that
/// are not layers (`x[..., :1]`, `a + b`, from `keras.src.ops`) hold no weights and are not counted.
public enum KerasWeightsLayout {
    /// One stored variable: its dataset in `model.weights.h5` and the weight it is.
    public struct Variable: Equatable, Sendable {
        /// Dataset path, e.g. `layers/functional/layers/conv1d_1/vars/0`.
        public var dataset: String
        /// The weight's name for the graph builder: `<config layer name>/<variable>`, e.g. `conv1d_117/kernel`.
        public var key: String
        /// The variable's name (`kernel`, `query/bias`), config layer name and class, for messages.
        public var name: String
        public var layer: String
        public var className: String
    }

    /// Every variable the model's config declares, in storage order. Throws for an unsupported class.
    public static func variables(modelConfig: String) throws -> [Variable] {
        let json = try KerasConfigDialect.keras2Functional(try parse(modelConfig))
        guard let config = json["config"] else { return [] }
        try KerasLayerCatalog.checkClasses(config)
        var out: [Variable] = []
        collect(config, prefix: "", into: &out)
        return out
    }

    static func parse(_ text: String) throws -> JSONValue {
        do { return try JSONValue.parse(text) } catch {
            throw PPGScopeError(object: "model config", "not valid JSON: \(error)")
        }
    }

    static func collect(_ config: JSONValue, prefix: String, into out: inout [Variable]) {
        var used: [String: Int] = [:]
        for layer in config["layers"]?.array ?? [] {
            guard let cls = layer["class_name"]?.string, let name = KerasConfigDialect.layerName(layer) else { continue }
            if layer["module"]?.string?.hasPrefix("keras.src.ops") ?? false { continue }
            // Keras stores a layer under its own class (a nested Sequential made Functional by the translation).
            var group = snakeCase(layer["original_class_name"]?.string ?? cls)
            if let n = used[group] {
                used[group] = n + 1
                group += "_\(n + 1)"
            } else {
                used[group] = 0
            }
            let path = "\(prefix)layers/\(group)"
            if KerasConfigDialect.isContainer(cls), let inner = layer["config"] {
                collect(inner, prefix: path + "/", into: &out)
                continue
            }
            for variables in KerasLayerCatalog.classes[cls]?(layer["config"] ?? .null) ?? [] {
                let base = variables.path.isEmpty ? path : "\(path)/\(variables.path)"
                for (i, variable) in variables.names.enumerated() {
                    out.append(Variable(dataset: "\(base)/vars/\(i)", key: "\(name)/\(variable)", name: variable, layer: name, className: cls))
                }
            }
        }
    }

    /// Keras' `to_snake_case`: `Conv1D` → `conv1d`, `MultiHeadAttention` → `multi_head_attention`,
    /// `PReLU` → `p_re_lu`, `LSTM` → `lstm`.
    public static func snakeCase(_ name: String) -> String {
        let chars = Array(name.filter { $0.isLetter || $0.isNumber || $0 == "_" })
        // re.sub("(.)([A-Z][a-z]+)", r"\1_\2"): an underscore before each capital followed by lowercase letters.
        var first: [Character] = []
        var i = 0
        while i < chars.count {
            if i > 0, chars[i].isUppercase, i + 1 < chars.count, chars[i + 1].isLowercase, chars[i].isASCII {
                first.append("_")
            }
            first.append(chars[i])
            i += 1
        }
        // re.sub("([a-z])([A-Z])", r"\1_\2"): an underscore between a lowercase letter and a capital.
        var second: [Character] = []
        for (j, c) in first.enumerated() {
            if j > 0, c.isUppercase, first[j - 1].isLowercase { second.append("_") }
            second.append(c)
        }
        return String(second).lowercased()
    }
}
