import PPGSignals

/// The Keras layer classes ppgscope runs, and the variables each Keras layer class holds in the
/// order Keras creates them — the order Keras 3's `model.weights.h5` stores them in, unnamed
/// (`layers/<group>/vars/0`, `vars/1`, …).
///
/// Adding a layer class: add its parser to `KerasGraphBuilder.parsers` (which makes it `supported`);
/// if it holds weights, `variableOrder` gives them under the names its parser asks
/// `KerasLayerCall.weight` for (Keras 3's variable names: `kernel`, `lstm_cell/kernel`); a
/// sub-object that holds some of them (a recurrent layer's `cell`, an attention layer's
/// `query_dense`) is a group. Orders are measured with keras 3.15 (tools/golden/make_keras3_fixtures.py
/// writes `k3_layouts.keras`, and a test checks every order against it).
enum KerasLayerCatalog {
    /// Variables stored together under one sub-path of a layer's weights group.
    struct VariableGroup: Equatable, Sendable {
        /// Path under the layer's group before `vars` ("" for the layer's own, "cell", "query_dense").
        var path: String
        /// Names as the layer parser asks for them, in storage order.
        var names: [String]
    }

    typealias Variables = @Sendable (JSONValue) -> [VariableGroup]

    /// The classes ppgscope runs: those `KerasGraphBuilder.parsers` parses, and the containers.
    static let supported: Set<String> = Set(KerasGraphBuilder.parsers.keys).union(["InputLayer", "Functional", "Model", "Sequential"])

    /// The layer's own variables `names`, each kept when its config flag (default true) is set.
    static func own(_ config: JSONValue, _ names: (String, flag: String?)...) -> [VariableGroup] {
        [VariableGroup(path: "", names: names.filter { $0.flag.map { config[$0]?.bool ?? true } ?? true }.map(\.0))]
    }

    /// The variables of every Keras layer class whose storage order is known (classes without
    /// weights have none).
    static let variableOrder: [String: Variables] = [
        "Conv1D": { own($0, ("kernel", nil), ("bias", "use_bias")) },
        "Dense": { own($0, ("kernel", nil), ("bias", "use_bias")) },
        "DepthwiseConv1D": { own($0, ("kernel", nil), ("bias", "use_bias")) },
        "SeparableConv1D": { own($0, ("depthwise_kernel", nil), ("pointwise_kernel", nil), ("bias", "use_bias")) },
        "BatchNormalization": { own($0, ("gamma", "scale"), ("beta", "center"), ("moving_mean", nil), ("moving_variance", nil)) },
        "LayerNormalization": { own($0, ("gamma", "scale"), ("beta", "center")) },
        "PReLU": { own($0, ("alpha", nil)) },
        "LSTM": { config in
            [VariableGroup(path: "cell", names: ["lstm_cell/kernel", "lstm_cell/recurrent_kernel"]
                                                + ((config["use_bias"]?.bool ?? true) ? ["lstm_cell/bias"] : []))]
        },
        "GRU": { config in
            [VariableGroup(path: "cell", names: ["gru_cell/kernel", "gru_cell/recurrent_kernel"]
                                                + ((config["use_bias"]?.bool ?? true) ? ["gru_cell/bias"] : []))]
        },
        "MultiHeadAttention": { config in
            let bias = config["use_bias"]?.bool ?? true
            return [("query_dense", "query"), ("key_dense", "key"), ("value_dense", "value"), ("output_dense", "attention_output")]
                .map { VariableGroup(path: $0.0, names: ["\($0.1)/kernel"] + (bias ? ["\($0.1)/bias"] : [])) }
        },
    ]

    /// The supported class names, sorted, for error messages.
    static var supportedClassNames: [String] { supported.filter { $0 != "InputLayer" }.sorted() }

    /// The error for a class ppgscope does not run.
    static func unsupported(_ cls: String, layer: String) -> PPGScopeError {
        PPGScopeError(object: "\(layer) (\(cls))",
                      "layer class '\(cls)' is not supported; ppgscope runs \(supportedClassNames.joined(separator: ", "))")
    }

    /// A config option ppgscope runs only at some values, checked before the layer is parsed
    /// (options a parser checks itself, such as Conv1D's `data_format`, are not repeated here).
    struct OptionRule: Sendable {
        var classes: Set<String>
        var option: String
        /// True for the values ppgscope runs (the option absent included).
        var runs: @Sendable (JSONValue?) -> Bool
        /// What ppgscope runs, for the message.
        var expected: String
    }

    static func isNullOrAbsent(_ v: JSONValue?) -> Bool { v == nil || v!.isNull }
    static func isFalseOrAbsent(_ v: JSONValue?) -> Bool { v == nil || v!.isNull || v!.bool == false }

    static let optionRules: [OptionRule] = [
        OptionRule(classes: ["Conv1D", "Dense", "DepthwiseConv1D", "SeparableConv1D"], option: "lora_rank", runs: isNullOrAbsent,
                   expected: "no LoRA adapter (merge it into the kernel before saving)"),
        OptionRule(classes: ["LayerNormalization"], option: "rms_scaling", runs: isFalseOrAbsent, expected: "false"),
        OptionRule(classes: ["MultiHeadAttention"], option: "use_gate", runs: isFalseOrAbsent, expected: "false"),
        OptionRule(classes: ["MultiHeadAttention"], option: "sliding_window", runs: isNullOrAbsent, expected: "null"),
    ]

    /// Throws, naming the option and its value, when `config` sets an option ppgscope does not run.
    static func checkOptions(className: String, config: JSONValue, layer: String) throws {
        for rule in optionRules where rule.classes.contains(className) {
            let value = config[rule.option]
            if !rule.runs(value) {
                throw PPGScopeError(object: "\(layer) (\(className))",
                                    "option \(rule.option) = \(value.map(describe) ?? "?") is not supported (ppgscope runs \(rule.expected))")
            }
        }
    }

    static func describe(_ v: JSONValue) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return String(b)
        case .number(let d): return d == d.rounded() ? String(Int(d)) : String(d)
        case .string(let s): return "\"\(s)\""
        case .array(let a): return "[" + a.map(describe).joined(separator: ", ") + "]"
        case .object: return "{…}"
        }
    }

    /// Throws for the first layer, at any depth, whose class is not supported.
    static func checkClasses(_ config: JSONValue) throws {
        for layer in config["layers"]?.array ?? [] {
            let cls = layer["class_name"]?.string ?? "?"
            let name = KerasConfigDialect.layerName(layer) ?? "?"
            guard supported.contains(cls) else { throw unsupported(cls, layer: name) }
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

    /// Every variable the model's config declares, in storage order. Throws for a class ppgscope
    /// does not run unless `onlySupported` is false.
    public static func variables(modelConfig: String, onlySupported: Bool = true) throws -> [Variable] {
        let json = try KerasConfigDialect.keras2Functional(try parse(modelConfig))
        guard let config = json["config"] else { return [] }
        if onlySupported { try KerasLayerCatalog.checkClasses(config) }
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
            for variables in KerasLayerCatalog.variableOrder[cls]?(layer["config"] ?? .null) ?? [] {
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
