import PPGCompute
import PPGSignals

/// LSTM and GRU over time, as Keras computes them (gate order: LSTM i, f, c, o; GRU z, r, h):
///
///     LSTM: [i f g o] = x·W + h·U + b;  c ← σ(f)·c + σ(i)·act(g);  h ← σ(o)·act(c)
///     GRU, reset_after:  z, r = σ(x·W + b_x + h·U + b_h);  ĥ = act(x·W_h + b_x,h + r·(h·U_h + b_h,h))
///     GRU, reset before: z, r = σ(x·W + h·U + b);          ĥ = act(x·W_h + (r·h)·U_h + b_h)
///     GRU: h ← z·h + (1 − z)·ĥ
///
/// with σ the `recurrentActivation` and act the `activation`; h and c start at 0.
public struct RecurrentLayer: Sendable {
    public enum Kind: Sendable { case lstm, gru }
    public var kind: Kind
    public var units: Int
    public var inFeatures: Int
    /// Kernel [inFeatures, gates·units] (Keras order).
    public var kernel: [Float]
    /// Recurrent kernel [units, gates·units].
    public var recurrentKernel: [Float]
    /// Bias [gates·units], or for a GRU with `resetAfter` [2, 3·units] (input bias, recurrent bias); nil without bias.
    public var bias: [Float]?
    public var activation: Activation
    public var recurrentActivation: Activation
    /// GRU only: the reset gate multiplies h·U_h (Keras 2 and 3 default) rather than h.
    public var resetAfter: Bool
    public var returnSequences: Bool
    /// Runs over time backwards; the sequence returned is in the order processed (as Keras).
    public var goBackwards: Bool

    var gates: Int { kind == .lstm ? 4 : 3 }

    var details: String {
        [activation.label, recurrentActivation.label + " gates", kind == .gru ? (resetAfter ? "reset after" : "reset before") : nil,
         returnSequences ? "sequences" : "last step", goBackwards ? "backwards" : nil].compactMap { $0 }.joined(separator: ", ")
    }
}

extension RecurrentLayer {
    /// Reads a Keras `LSTM` or `GRU` call on `[time, features]`: kernel, recurrent_kernel and bias
    /// under the layer's cell. Output `[time, units]` with `return_sequences`, else `[units]`.
    static func fromKeras(_ call: KerasLayerCall) throws -> ParsedLayer {
        let cfg = call.config, name = call.name
        try call.requireTime()
        try call.refuse("return_state", because: "a layer with several outputs")
        try call.refuse("stateful", because: "state carried from one window to the next")
        try call.refuse("time_major", because: "inputs are [time, features] per window")
        let kind: Kind = call.className == "LSTM" ? .lstm : .gru
        let units = cfg["units"]?.int ?? 0
        guard units > 0 else { throw PPGScopeError(object: name, "\(call.className) units must be positive") }
        let gates = kind == .lstm ? 4 : 3
        let inF = call.inputShape[1]
        let resetAfter = kind == .gru && (cfg["reset_after"]?.bool ?? true)
        let useBias = cfg["use_bias"]?.bool ?? true
        let layer = RecurrentLayer(
            kind: kind, units: units, inFeatures: inF,
            kernel: try call.weight("kernel", shape: [inF, gates * units], inCell: true)!,
            recurrentKernel: try call.weight("recurrent_kernel", shape: [units, gates * units], inCell: true)!,
            bias: useBias ? try call.weight("bias", shape: resetAfter ? [2, gates * units] : [gates * units], inCell: true) : nil,
            activation: try call.activation("activation", default: "tanh"),
            recurrentActivation: try call.activation("recurrent_activation", default: "sigmoid"),
            resetAfter: resetAfter, returnSequences: cfg["return_sequences"]?.bool ?? false,
            goBackwards: cfg["go_backwards"]?.bool ?? false)
        let length = call.inputShape[0]
        return ParsedLayer(operation: .recurrent(layer), outputShape: layer.returnSequences ? [length, units] : [units],
                           fieldGrowth: nil)
    }

    /// `[windows, length, inFeatures]` → `[windows, length, units]` (return_sequences) or `[windows, units]`.
    /// The input projection of every step is one GEMM; each step then one GEMM over the windows.
    func forward(_ input: [Float], windows: Int, length: Int) -> [Float] {
        let u = units, g = gates * units
        // x·W (+ input bias) for every window and step: [windows·length, g].
        var projected = [Float](repeating: 0, count: windows * length * g)
        if let bias {
            for r in 0..<(windows * length) { for j in 0..<g { projected[r * g + j] = bias[j] } }
        }
        input.withUnsafeBufferPointer { x in kernel.withUnsafeBufferPointer { w in projected.withUnsafeMutableBufferPointer { p in
            BLAS.sgemm(windows * length, g, inFeatures, x.baseAddress!, inFeatures, w.baseAddress!, g, p.baseAddress!, g, beta: 1)
        } } }
        let recurrentBias: [Float]? = resetAfter ? bias.map { Array($0[g..<(2 * g)]) } : nil
        var h = [Float](repeating: 0, count: windows * u), c = h
        // Per step: h·U (+ recurrent bias) [windows, g]; for a GRU without reset_after, (r·h)·U_h.
        var inner = [Float](repeating: 0, count: windows * g), resetH = h, candidate = h
        var output = [Float](repeating: 0, count: windows * (returnSequences ? length : 1) * u)
        let act = activation, gate = recurrentActivation
        for step in 0..<length {
            let t = goBackwards ? length - 1 - step : step
            for n in 0..<windows { for j in 0..<g { inner[n * g + j] = recurrentBias?[j] ?? 0 } }
            multiply(h, columns: 0..<(kind == .gru && !resetAfter ? 2 * u : g), into: &inner, windows: windows)
            for n in 0..<windows {
                let x = (n * length + t) * g, r = n * g, o = n * u
                switch kind {
                case .lstm:
                    for i in 0..<u {
                        let input = gate.apply(projected[x + i] + inner[r + i])
                        let forget = gate.apply(projected[x + u + i] + inner[r + u + i])
                        let cell = act.apply(projected[x + 2 * u + i] + inner[r + 2 * u + i])
                        let out = gate.apply(projected[x + 3 * u + i] + inner[r + 3 * u + i])
                        c[o + i] = forget * c[o + i] + input * cell
                        h[o + i] = out * act.apply(c[o + i])
                    }
                case .gru:
                    for i in 0..<u {
                        let z = gate.apply(projected[x + i] + inner[r + i])
                        let reset = gate.apply(projected[x + u + i] + inner[r + u + i])
                        if resetAfter {
                            let hh = act.apply(projected[x + 2 * u + i] + reset * inner[r + 2 * u + i])
                            h[o + i] = z * h[o + i] + (1 - z) * hh
                        } else {
                            resetH[o + i] = reset * h[o + i]
                            inner[r + i] = z   // z kept for the update below (column i is read only above)
                        }
                    }
                }
            }
            if kind == .gru && !resetAfter {
                // ĥ = act(x·W_h + b_h + (r·h)·U_h), then h ← z·h + (1 − z)·ĥ.
                for k in candidate.indices { candidate[k] = 0 }
                resetH.withUnsafeBufferPointer { rp in recurrentKernel.withUnsafeBufferPointer { w in candidate.withUnsafeMutableBufferPointer { cp in
                    BLAS.sgemm(windows, u, u, rp.baseAddress!, u, w.baseAddress! + 2 * u, g, cp.baseAddress!, u, beta: 0)
                } } }
                for n in 0..<windows {
                    let x = (n * length + t) * g, o = n * u
                    for i in 0..<u {
                        let z = inner[n * g + i]
                        let hh = act.apply(projected[x + 2 * u + i] + candidate[o + i])
                        h[o + i] = z * h[o + i] + (1 - z) * hh
                    }
                }
            }
            if returnSequences {
                for n in 0..<windows { for i in 0..<u { output[(n * length + step) * u + i] = h[n * u + i] } }
            }
        }
        return returnSequences ? output : h
    }

    /// `into[n, j] += Σ_i h[n, i] · U[i, j]` for the columns `columns` of the `[units, g]` recurrent kernel.
    private func multiply(_ h: [Float], columns: Range<Int>, into result: inout [Float], windows: Int) {
        let u = units, g = gates * units
        h.withUnsafeBufferPointer { hp in recurrentKernel.withUnsafeBufferPointer { w in result.withUnsafeMutableBufferPointer { r in
            BLAS.sgemm(windows, columns.count, u, hp.baseAddress!, u, w.baseAddress! + columns.lowerBound, g,
                       r.baseAddress! + columns.lowerBound, g, beta: 1)
        } } }
    }
}
