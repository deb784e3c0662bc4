import PPGSignals

/// Translates the model configs Keras writes into the one dialect `KerasGraphBuilder` walks:
/// Keras 2's Functional config (`inbound_nodes` as lists of `[layer, node, tensor, kwargs]`, a
/// nested model's node 0 being its own construction).
///
/// What is translated:
/// - **Keras 3** (`.keras` `config.json`, and the `model_config` of Keras 3's legacy `.h5`):
///   `input_layers`/`output_layers` given as one flat triple; inbound nodes as
///   `{"args": [...], "kwargs": {...}}` whose tensors are `__keras_tensor__` objects carrying a
///   `keras_history` triple, in which node k of a nested model is its k-th call (Keras 2 counts
///   from 1); MultiHeadAttention called with `query=`/`value=`/`key=` keywords; `x[..., a:b]`
///   stored as a `GetItem` operation whose key holds `__ellipsis__`/`__slice__` objects.
/// - **Sequential** models (Keras 2 and 3, top level or nested): made Functional, each layer
///   called on the previous one, with an InputLayer from the first layer's `batch_shape` /
///   `batch_input_shape` when the config has none.
/// A renamed class keeps its Keras name in `original_class_name` (Keras 3 names weight groups by it).
/// - Keras 2 Functional configs pass through unchanged.
///
/// Also refused here, naming the layer: a dtype policy other than float32 (ppgscope computes in
/// float32, so a float16 or bfloat16 model would not give Keras' numbers).
enum KerasConfigDialect {
    static func keras2Functional(_ model: JSONValue) throws -> JSONValue {
        guard case .object(var top) = model else { throw PPGScopeError(object: "model_config", "expected a JSON object") }
        let cls = top["class_name"]?.string ?? ""
        guard let config = top["config"] else { throw PPGScopeError(object: "model_config", "no 'config' member") }
        switch cls {
        case "Sequential":
            top["config"] = try functional(fromSequential: config)
            top["class_name"] = .string("Functional")
            top["original_class_name"] = .string(cls)
        case "Functional", "Model":
            top["config"] = try translate(functional: config)
        default:
            throw PPGScopeError(object: "model_config",
                                "expected a Keras Functional or Sequential model, found \(cls.isEmpty ? "nothing" : "'\(cls)'")")
        }
        return .object(top)
    }

    static func isContainer(_ cls: String?) -> Bool { cls == "Functional" || cls == "Model" || cls == "Sequential" }

    // MARK: Functional

    /// One Functional config (its layers translated, nested models recursively).
    static func translate(functional config: JSONValue) throws -> JSONValue {
        guard case .object(var cfg) = config, let layers = cfg["layers"]?.array else {
            throw PPGScopeError(object: "model_config", "Functional model without a 'layers' list")
        }
        let containers = Set(layers.filter { isContainer($0["class_name"]?.string) }.compactMap(layerName))
        var translated: [JSONValue] = []
        for layer in layers {
            translated.append(try translate(layer: layer, containers: containers))
        }
        cfg["layers"] = .array(translated)
        for key in ["input_layers", "output_layers"] {
            if let refs = cfg[key]?.array, refs.first?.string != nil { cfg[key] = .array([.array(refs)]) }
        }
        return .object(cfg)
    }

    static func layerName(_ layer: JSONValue) -> String? { layer["config"]?["name"]?.string ?? layer["name"]?.string }

    /// One layer entry of a Functional config: its nested model, dtype and inbound nodes.
    static func translate(layer: JSONValue, containers: Set<String>) throws -> JSONValue {
        guard case .object(var entry) = layer else { throw PPGScopeError(object: "model_config", "a layer entry is not an object") }
        let name = layerName(layer) ?? "?"
        let cls = entry["class_name"]?.string
        try checkFloat32(layer, name: name)
        if cls == "Sequential", let config = entry["config"] {
            entry["config"] = try functional(fromSequential: config)
            entry["class_name"] = .string("Functional")
            entry["original_class_name"] = .string("Sequential")
        } else if cls == "Functional" || cls == "Model", let config = entry["config"] {
            entry["config"] = try translate(functional: config)
        }
        if let nodes = entry["inbound_nodes"]?.array, nodes.contains(where: { $0["args"] != nil }) {
            var keras2: [JSONValue] = []
            for node in nodes {
                keras2.append(try translate(node: node, className: cls, layer: name, containers: containers))
            }
            entry["inbound_nodes"] = .array(keras2)
            if cls == "GetItem" {
                entry["class_name"] = .string("SlicingOpLambda")
                entry["original_class_name"] = .string("GetItem")
            }
        }
        return .object(entry)
    }

    /// A Keras 3 `{"args", "kwargs"}` node → a Keras 2 node: a list of `[layer, node, tensor, kwargs]`.
    static func translate(node: JSONValue, className: String?, layer: String, containers: Set<String>) throws -> JSONValue {
        let args = node["args"]?.array ?? []
        var kwargs: [String: JSONValue] = [:]
        if case .object(let k)? = node["kwargs"] {
            for (key, value) in k { kwargs[key] = reference(value, containers: containers) }
        }
        var positional: [JSONValue] = []
        if className == "MultiHeadAttention" {
            // Keras 2 form: the query positional, value and key as keywords.
            let roles = ["query", "value", "key"]
            for (i, arg) in args.prefix(3).enumerated() { kwargs[roles[i]] = reference(arg, containers: containers) }
            guard let query = kwargs.removeValue(forKey: "query") else {
                throw PPGScopeError(object: layer, "attention call without a query input")
            }
            positional = [query]
        } else if className == "GetItem" {
            guard let tensor = args.first, args.count == 2 else { throw PPGScopeError(object: layer, "GetItem call without a tensor and a key") }
            positional = [reference(tensor, containers: containers)]
            let key = args[1].array ?? [args[1]]
            kwargs["slice_spec"] = .array(key.map(sliceSpec))
        } else {
            positional = tensors(in: args).map { reference($0, containers: containers) }
        }
        guard !positional.isEmpty else { throw PPGScopeError(object: layer, "layer call without a tensor input") }
        var items: [JSONValue] = []
        for (i, ref) in positional.enumerated() {
            guard var triple = ref.array, triple.count == 3 else {
                throw PPGScopeError(object: layer, "malformed tensor reference \(ref)")
            }
            triple.append(.object(i == 0 ? kwargs : [:]))
            items.append(.array(triple))
        }
        return .array(items)
    }

    /// The `__keras_tensor__` objects in `value`, in order (lists flattened: `Add()([a, b])`).
    static func tensors(in value: [JSONValue]) -> [JSONValue] {
        value.flatMap { v -> [JSONValue] in
            if v["class_name"]?.string == "__keras_tensor__" { return [v] }
            if let list = v.array { return tensors(in: list) }
            return []
        }
    }

    /// A `__keras_tensor__` → its `[layer, node, tensor]` triple in Keras 2 numbering (a nested
    /// model's calls counted from 1); anything else is kept, its nested tensors translated.
    static func reference(_ value: JSONValue, containers: Set<String>) -> JSONValue {
        if value["class_name"]?.string == "__keras_tensor__", let history = value["config"]?["keras_history"]?.array,
           history.count == 3, let name = history[0].string, let node = history[1].int {
            return .array([.string(name), .number(Double(containers.contains(name) ? node + 1 : node)), history[2]])
        }
        switch value {
        case .array(let list): return .array(list.map { reference($0, containers: containers) })
        case .object(let members):
            return .object(members.mapValues { reference($0, containers: containers) })
        default: return value
        }
    }

    /// A Keras 3 slice key element → Keras 2's `slice_spec` element.
    static func sliceSpec(_ v: JSONValue) -> JSONValue {
        if v["class_name"]?.string == "__slice__", let config = v["config"] { return config }
        return v
    }

    // MARK: Sequential

    /// A Sequential config (`{"name", "layers"}`, or a bare layer list in old Keras 2 files) → a
    /// Functional one in which each layer is called once, on the previous layer's output.
    static func functional(fromSequential config: JSONValue) throws -> JSONValue {
        let layers = config["layers"]?.array ?? config.array ?? []
        guard let first = layers.first else { throw PPGScopeError(object: "model_config", "Sequential model without layers") }
        let modelName = config["name"]?.string ?? "sequential"
        var chain: [JSONValue] = []
        var body = layers
        if first["class_name"]?.string == "InputLayer" {
            chain.append(first)
            body.removeFirst()
        } else {
            let shape = first["config"]?["batch_input_shape"] ?? first["config"]?["batch_shape"] ?? first["build_config"]?["input_shape"]
            guard let shape, !shape.isNull else {
                throw PPGScopeError(object: modelName, "Sequential model without an input shape (build it with an Input or input_shape)")
            }
            chain.append(.object(["class_name": .string("InputLayer"),
                                  "config": .object(["name": .string(modelName + "_input"), "batch_input_shape": shape]),
                                  "inbound_nodes": .array([])]))
        }
        guard var previous = layerName(chain[0]) else { throw PPGScopeError(object: modelName, "input layer without a name") }
        let inputName = previous
        for layer in body {
            guard case .object(var entry) = layer, let name = layerName(layer) else {
                throw PPGScopeError(object: modelName, "a Sequential layer has no name")
            }
            try checkFloat32(layer, name: name)
            if entry["class_name"]?.string == "Sequential", let inner = entry["config"] {
                entry["config"] = try functional(fromSequential: inner)
                entry["class_name"] = .string("Functional")
                entry["original_class_name"] = .string("Sequential")
            } else if isContainer(entry["class_name"]?.string), let inner = entry["config"] {
                entry["config"] = try translate(functional: inner)
            }
            // A nested model's first call is its node 1 (node 0 is its own construction).
            let previousNode = chain.count > 1 && isContainer(chain.last?["class_name"]?.string) ? 1 : 0
            entry["inbound_nodes"] = .array([.array([.array([.string(previous), .number(Double(previousNode)), .number(0), .object([:])])])])
            chain.append(.object(entry))
            previous = name
        }
        let lastNode = chain.count > 1 && isContainer(chain.last?["class_name"]?.string) ? 1 : 0
        return .object([
            "name": .string(modelName),
            "layers": .array(chain),
            "input_layers": .array([.array([.string(inputName), .number(0), .number(0)])]),
            "output_layers": .array([.array([.string(previous), .number(Double(lastNode)), .number(0)])]),
        ])
    }

    // MARK: dtype

    /// Refuses a layer whose dtype (policy) computes in anything but float32.
    static func checkFloat32(_ layer: JSONValue, name: String) throws {
        guard let dtype = layer["config"]?["dtype"], !dtype.isNull else { return }
        let policy = dtype.string ?? dtype["config"]?["name"]?.string ?? "float32"
        guard policy == "float32" else {
            let cls = layer["class_name"]?.string ?? "?"
            throw PPGScopeError(object: "\(name) (\(cls))", "dtype policy '\(policy)' is not supported: ppgscope computes in float32")
        }
    }
}
