import Foundation
import PPGSignals

/// Turns a Keras 2 functional config into a flat list of `NetworkNode`s.
///
/// Keras 2 semantics followed here:
/// - a layer's `inbound_nodes[k]` is its k-th call; a reference `[layer, nodeIndex, tensorIndex]`
///   names that call's output, except that for a nested `Functional` model node 0 is its own
///   construction, so `nodeIndex` k means `inbound_nodes[k − 1]`;
/// - `TFOpLambda`/`SlicingOpLambda` nodes are flat `[layer, node, tensor, kwargs]` lists whose kwargs
///   may hold further tensor references (`y` of an add);
/// - MultiHeadAttention is called with the query as the first input and `value` (and optional `key`)
///   in kwargs.
struct KerasGraphBuilder {
    let weights: [String: Tensor]
    var nodes: [NetworkNode] = []
    var slotShapes: [[Int]] = []
    var slotTimeStep: [Int] = []
    var slotReceptiveField: [Int?] = []

    init(weights: [String: Tensor]) { self.weights = weights }

    /// A value computed by the graph: its slot.
    typealias Slot = Int

    /// One model scope (the top level or one call of a nested sub-model).
    struct Scope {
        var layers: [String: JSONValue]
        var order: [String]
        /// Tap-name prefix (`model_52@1/`), empty at top level.
        var prefix: String
        /// Resolved (layer, nodeIndex) → slot.
        var resolved: [String: Slot] = [:]
        /// Slots bound to this scope's input layers.
        var inputs: [String: Slot]
    }

    mutating func build(_ json: JSONValue) throws -> Network {
        guard let cls = json["class_name"]?.string, cls == "Functional" || cls == "Model" else {
            throw PPGScopeError(object: "model_config", "expected a Keras Functional model, found \(json["class_name"]?.string ?? "nothing")")
        }
        guard let config = json["config"], let inputLayers = config["input_layers"]?.array, inputLayers.count == 1 else {
            throw PPGScopeError(object: "model_config", "expected exactly one model input")
        }
        let layers = config["layers"]?.array ?? []
        guard let inputName = inputLayers[0].array?.first?.string,
              let inputLayer = layers.first(where: { $0["config"]?["name"]?.string == inputName }),
              let shapeJSON = (inputLayer["config"]?["batch_input_shape"] ?? inputLayer["config"]?["batch_shape"])?.array
        else { throw PPGScopeError(object: "model_config", "cannot find the input layer's shape") }
        let inputShape = shapeJSON.dropFirst().compactMap(\.int)
        guard inputShape.count == shapeJSON.count - 1, inputShape.count == 2 else {
            throw PPGScopeError(object: inputName, "input shape must be [time, channels] with known sizes, found \(shapeJSON)")
        }
        slotShapes = [inputShape]
        slotTimeStep = [1]
        slotReceptiveField = [1]
        var scope = makeScope(config, prefix: "", inputs: [inputName: 0])
        guard let outputRef = config["output_layers"]?.array, outputRef.count == 1 else {
            throw PPGScopeError(object: "model_config", "expected exactly one model output")
        }
        try resolveAllCalls(in: &scope)
        let output = try resolveReference(outputRef[0], in: &scope)
        return Network(inputShape: inputShape, nodes: nodes, outputSlot: output, slotShapes: slotShapes,
                       name: config["name"]?.string ?? "model")
    }

    func makeScope(_ config: JSONValue, prefix: String, inputs: [String: Slot]) -> Scope {
        var layers: [String: JSONValue] = [:]
        var order: [String] = []
        for layer in config["layers"]?.array ?? [] {
            if let name = layer["config"]?["name"]?.string ?? layer["name"]?.string {
                layers[name] = layer
                order.append(name)
            }
        }
        return Scope(layers: layers, order: order, prefix: prefix, inputs: inputs)
    }

    /// Resolves every call of every layer in config order, so that nodes run (and taps are listed)
    /// in the order Keras lists them: the previous window's branch before the current one.
    mutating func resolveAllCalls(in scope: inout Scope) throws {
        for name in scope.order where scope.inputs[name] == nil {
            guard let layer = scope.layers[name], layer["class_name"]?.string != "InputLayer" else { continue }
            let calls = layer["inbound_nodes"]?.array?.count ?? 0
            let nested = layer["class_name"]?.string == "Functional" || layer["class_name"]?.string == "Model"
            for call in 0..<calls { _ = try resolve(name, node: nested ? call + 1 : call, in: &scope) }
        }
    }

    /// `[layer, nodeIndex, tensorIndex, ...]` → slot.
    mutating func resolveReference(_ ref: JSONValue, in scope: inout Scope) throws -> Slot {
        guard let parts = ref.array, parts.count >= 2, let name = parts[0].string, let node = parts[1].int else {
            throw PPGScopeError(object: "model_config", "malformed tensor reference \(ref)")
        }
        if let tensorIndex = parts.count > 2 ? parts[2].int : 0, tensorIndex != 0 {
            throw PPGScopeError(object: name, "multi-output layers are not supported (tensor index \(tensorIndex))")
        }
        return try resolve(name, node: node, in: &scope)
    }

    mutating func resolve(_ name: String, node: Int, in scope: inout Scope) throws -> Slot {
        if let slot = scope.inputs[name] { return slot }
        let key = "\(name)#\(node)"
        if let slot = scope.resolved[key] { return slot }
        guard let layer = scope.layers[name] else {
            throw PPGScopeError(object: name, "layer referenced but not defined in the model config")
        }
        let cls = layer["class_name"]?.string ?? "?"
        let inbound = layer["inbound_nodes"]?.array ?? []
        let isNested = cls == "Functional" || cls == "Model"
        let callIndex = isNested ? node - 1 : node
        guard callIndex >= 0, callIndex < inbound.count else {
            throw PPGScopeError(object: name, "reference to call \(node) but the layer has \(inbound.count) calls")
        }
        let call = inbound[callIndex]
        // Inputs of this call: the first positional tensor(s), plus tensor kwargs.
        var positional: [JSONValue] = []
        var kwargs: [String: JSONValue] = [:]
        if let items = call.array, let first = items.first, first.string != nil {
            // TFOpLambda form: [layer, node, tensor, kwargs]
            positional = [call]
            if items.count > 3, case .object(let kw) = items[3] { kwargs = kw }
        } else {
            for item in call.array ?? [] {
                positional.append(item)
                if let a = item.array, a.count > 3, case .object(let kw) = a[3] {
                    kwargs.merge(kw) { a, _ in a }
                }
            }
        }
        let displayName = inbound.count > 1 ? "\(scope.prefix)\(name)@\(callIndex + 1)" : "\(scope.prefix)\(name)"
        var inputSlots: [Slot] = []
        for p in positional { inputSlots.append(try resolveReference(p, in: &scope)) }

        let slot: Slot
        if isNested {
            guard let config = layer["config"], let inputLayers = config["input_layers"]?.array, inputLayers.count == inputSlots.count,
                  let outputs = config["output_layers"]?.array, outputs.count == 1
            else { throw PPGScopeError(object: name, "nested model must have matching inputs and one output") }
            var bindings: [String: Slot] = [:]
            for (i, ref) in inputLayers.enumerated() {
                guard let inName = ref.array?.first?.string else { continue }
                bindings[inName] = inputSlots[i]
            }
            var inner = makeScope(config, prefix: displayName + "/", inputs: bindings)
            try resolveAllCalls(in: &inner)
            slot = try resolveReference(outputs[0], in: &inner)
        } else {
            var extra: [Slot] = []
            if cls == "MultiHeadAttention" {
                guard let value = kwargs["value"] else { throw PPGScopeError(object: name, "attention call without a value input") }
                let valueSlot = try resolveReference(value, in: &scope)
                let keySlot = try kwargs["key"].flatMap { $0.isNull ? nil : $0 }.map { try resolveReference($0, in: &scope) } ?? valueSlot
                if kwargs["attention_mask"].map({ !$0.isNull }) ?? false {
                    throw PPGScopeError(object: name, "attention masks are not supported")
                }
                extra = [valueSlot, keySlot]
            } else if cls == "TFOpLambda", let y = kwargs["y"], y.array?.first?.string != nil {
                extra = [try resolveReference(y, in: &scope)]
            }
            slot = try addNode(name: displayName, layerName: name, layer: layer, inputs: inputSlots + extra, kwargs: kwargs)
        }
        scope.resolved[key] = slot
        return slot
    }

    func weight(_ layer: String, _ name: String, shape: [Int], required: Bool = true) throws -> [Float]? {
        let key = "\(layer)/\(name):0"
        guard let w = weights[key] ?? weights["\(layer)/\(name)"] else {
            if required { throw PPGScopeError(object: layer, "missing weight dataset '\(key)'") }
            return nil
        }
        guard w.shape == shape else {
            throw PPGScopeError(object: key, "weight has shape \(w.shape), the layer needs \(shape)")
        }
        return w.values
    }

    mutating func addNode(name: String, layerName: String, layer: JSONValue, inputs: [Slot], kwargs: [String: JSONValue]) throws -> Slot {
        let cls = layer["class_name"]?.string ?? "?"
        let cfg = layer["config"] ?? .object([:])
        guard let first = inputs.first else { throw PPGScopeError(object: name, "layer has no input") }
        let inShape = slotShapes[first]
        var step = slotTimeStep[first]
        var field = slotReceptiveField[first]
        let op: LayerOperation
        var outShape: [Int]

        func activation() throws -> Activation {
            let a = cfg["activation"]?.string ?? "linear"
            guard let act = Activation(rawValue: a) else {
                throw PPGScopeError(object: name, "activation '\(a)' is not supported (linear, relu)")
            }
            return act
        }
        func requireTime() throws {
            guard inShape.count == 2 else { throw PPGScopeError(object: name, "\(cls) needs a [time, channels] input, found \(inShape)") }
        }

        switch cls {
        case "Conv1D":
            try requireTime()
            let filters = cfg["filters"]?.int ?? 0
            let k = cfg["kernel_size"]?.intOrFirst ?? 1
            let s = cfg["strides"]?.intOrFirst ?? 1
            let d = cfg["dilation_rate"]?.intOrFirst ?? 1
            let padName = cfg["padding"]?.string ?? "valid"
            guard let padding = Padding(rawValue: padName) else { throw PPGScopeError(object: name, "padding '\(padName)' is not supported") }
            guard (cfg["groups"]?.int ?? 1) == 1 else { throw PPGScopeError(object: name, "grouped convolutions are not supported") }
            guard cfg["data_format"]?.string ?? "channels_last" == "channels_last" else {
                throw PPGScopeError(object: name, "only channels_last Conv1D is supported")
            }
            guard filters > 0, k > 0, s > 0, d > 0, s == 1 || d == 1 else {
                throw PPGScopeError(object: name, "invalid Conv1D hyper-parameters (filters \(filters), kernel \(k), strides \(s), dilation \(d))")
            }
            let cin = inShape[1]
            let useBias = cfg["use_bias"]?.bool ?? true
            let conv = Conv1DLayer(
                kernel: try weight(layerName, "kernel", shape: [k, cin, filters])!,
                bias: useBias ? try weight(layerName, "bias", shape: [filters]) : nil,
                kernelSize: k, inChannels: cin, outChannels: filters, stride: s, dilation: d,
                padding: padding, activation: try activation())
            let outT = conv.outputLength(inShape[0])
            guard outT > 0 else { throw PPGScopeError(object: name, "input of \(inShape[0]) samples is shorter than the kernel span") }
            op = .conv1D(conv)
            outShape = [outT, filters]
            field = field.map { $0 + (k - 1) * d * step }
            step *= s
        case "AveragePooling1D":
            try requireTime()
            let p = cfg["pool_size"]?.intOrFirst ?? 2
            let s = cfg["strides"]?.intOrFirst ?? p
            let padName = cfg["padding"]?.string ?? "valid"
            guard let padding = Padding(rawValue: padName), padding != .causal else {
                throw PPGScopeError(object: name, "pooling padding '\(padName)' is not supported")
            }
            guard cfg["data_format"]?.string ?? "channels_last" == "channels_last" else {
                throw PPGScopeError(object: name, "only channels_last pooling is supported")
            }
            let pool = AveragePoolingLayer(poolSize: p, stride: s, padding: padding)
            let outT = pool.outputLength(inShape[0])
            guard outT > 0 else { throw PPGScopeError(object: name, "input shorter than the pool") }
            op = .averagePooling(pool)
            outShape = [outT, inShape[1]]
            field = field.map { $0 + (p - 1) * step }
            step *= s
        case "Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout", "ActivityRegularization":
            op = .identity
            outShape = inShape
        case "SlicingOpLambda":
            guard let spec = kwargs["slice_spec"]?.array else { throw PPGScopeError(object: name, "slice without slice_spec") }
            let range = try channelSlice(spec, channels: inShape.last ?? 0, name: name)
            op = .channelSlice(start: range.lowerBound, end: range.upperBound)
            outShape = inShape
            outShape[outShape.count - 1] = range.count
        case "TFOpLambda":
            let function = cfg["function"]?.string ?? "?"
            guard function == "__operators__.add" || function == "math.add", inputs.count == 2 else {
                throw PPGScopeError(object: name, "TFOpLambda '\(function)' is not supported (only the residual add)")
            }
            guard slotShapes[inputs[1]] == inShape else {
                throw PPGScopeError(object: name, "cannot add shapes \(inShape) and \(slotShapes[inputs[1]])")
            }
            op = .add
            outShape = inShape
        case "Add":
            guard inputs.count == 2, slotShapes[inputs[1]] == inShape else { throw PPGScopeError(object: name, "Add needs two inputs of the same shape") }
            op = .add
            outShape = inShape
        case "MultiHeadAttention":
            try requireTime()
            let heads = cfg["num_heads"]?.int ?? 1
            let keyDim = cfg["key_dim"]?.int ?? 1
            let valueDim = cfg["value_dim"].flatMap { $0.isNull ? nil : $0.int } ?? keyDim
            let useBias = cfg["use_bias"]?.bool ?? true
            if let axes = cfg["attention_axes"], !axes.isNull, axes.array?.compactMap(\.int) != [1] {
                throw PPGScopeError(object: name, "attention_axes \(axes) is not supported (time axis only)")
            }
            let qW = inShape[1], vW = slotShapes[inputs[1]].last ?? 0, kW = slotShapes[inputs[2]].last ?? 0
            var outW = qW
            if let o = cfg["output_shape"], !o.isNull {
                guard let w = o.intOrFirst else { throw PPGScopeError(object: name, "unsupported output_shape \(o)") }
                outW = w
            }
            guard slotShapes[inputs[1]].count == 2, slotShapes[inputs[1]][0] == slotShapes[inputs[2]][0] else {
                throw PPGScopeError(object: name, "key and value must have the same time length")
            }
            let attention = MultiHeadAttentionLayer(
                heads: heads, keyDim: keyDim, valueDim: valueDim,
                queryWidth: qW, keyWidth: kW, valueWidth: vW, outputWidth: outW,
                queryKernel: try weight(layerName, "query/kernel", shape: [qW, heads, keyDim])!,
                queryBias: useBias ? try weight(layerName, "query/bias", shape: [heads, keyDim]) : nil,
                keyKernel: try weight(layerName, "key/kernel", shape: [kW, heads, keyDim])!,
                keyBias: useBias ? try weight(layerName, "key/bias", shape: [heads, keyDim]) : nil,
                valueKernel: try weight(layerName, "value/kernel", shape: [vW, heads, valueDim])!,
                valueBias: useBias ? try weight(layerName, "value/bias", shape: [heads, valueDim]) : nil,
                outputKernel: try weight(layerName, "attention_output/kernel", shape: [heads, valueDim, outW])!,
                outputBias: useBias ? try weight(layerName, "attention_output/bias", shape: [outW]) : nil)
            op = .multiHeadAttention(attention)
            outShape = [inShape[0], outW]
            field = nil
        case "LayerNormalization":
            let axes = cfg["axis"]?.array?.compactMap(\.int) ?? cfg["axis"]?.int.map { [$0] } ?? [-1]
            let rank = inShape.count + 1
            guard axes.count == 1, axes[0] == -1 || axes[0] == rank - 1 else {
                throw PPGScopeError(object: name, "LayerNormalization over axis \(axes) is not supported (last axis only)")
            }
            let c = inShape.last ?? 0
            let eps = cfg["epsilon"]?.double ?? 1e-3
            op = .layerNormalization(LayerNormalizationLayer(
                epsilon: Float(eps),
                gamma: (cfg["scale"]?.bool ?? true) ? try weight(layerName, "gamma", shape: [c]) : nil,
                beta: (cfg["center"]?.bool ?? true) ? try weight(layerName, "beta", shape: [c]) : nil))
            outShape = inShape
        case "Flatten":
            op = .flatten
            outShape = [inShape.reduce(1, *)]
            field = nil
        case "Dense":
            let units = cfg["units"]?.int ?? 0
            let inF = inShape.last ?? 0
            let useBias = cfg["use_bias"]?.bool ?? true
            op = .dense(DenseLayer(
                kernel: try weight(layerName, "kernel", shape: [inF, units])!,
                bias: useBias ? try weight(layerName, "bias", shape: [units]) : nil,
                inFeatures: inF, units: units, activation: try activation()))
            outShape = inShape
            outShape[outShape.count - 1] = units
            if inShape.count > 1 { field = nil }
        case "DistributionLambda":
            guard inShape == [2] else {
                throw PPGScopeError(object: name, "DistributionLambda is read as KID-PPG's Normal(loc, 1 + softplus(scale)); it needs a [2] input, found \(inShape)")
            }
            op = .normalDistribution
            outShape = [2]
        default:
            throw PPGScopeError(object: name, "layer class '\(cls)' is not supported")
        }
        let slot = slotShapes.count
        slotShapes.append(outShape)
        slotTimeStep.append(step)
        slotReceptiveField.append(outShape.count == 2 ? field : nil)
        nodes.append(NetworkNode(name: name, operation: op, inputs: inputs, output: slot, outputShape: outShape,
                                 timeStep: step, receptiveField: outShape.count == 2 ? field : nil))
        return slot
    }

    /// Reads a SlicingOpLambda spec that slices only the last axis: `[..., a:b]` or `[:, :, a:b]`.
    func channelSlice(_ spec: [JSONValue], channels: Int, name: String) throws -> Range<Int> {
        func isFull(_ v: JSONValue) -> Bool {
            v["start"].map { $0.isNull } ?? false && v["stop"].map { $0.isNull } ?? false
        }
        let last: JSONValue
        if spec.count == 2, spec[0]["class_name"]?.string == "__ellipsis__" {
            last = spec[1]
        } else if spec.count == 3, isFull(spec[0]), isFull(spec[1]) {
            last = spec[2]
        } else {
            throw PPGScopeError(object: name, "slice \(spec) is not supported (only slices of the channel axis)")
        }
        if let step = last["step"]?.int, step != 1 { throw PPGScopeError(object: name, "slice steps are not supported") }
        func bound(_ v: JSONValue?, _ fallback: Int) -> Int {
            guard let i = v?.int else { return fallback }
            return i < 0 ? max(channels + i, 0) : min(i, channels)
        }
        let start = bound(last["start"], 0), stop = bound(last["stop"], channels)
        guard start < stop else { throw PPGScopeError(object: name, "empty channel slice \(start)..<\(stop)") }
        return start..<stop
    }
}
