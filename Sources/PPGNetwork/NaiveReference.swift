/// Deliberately plain Conv1D and Dense (direct loops, no BLAS), used as the in-process yardstick
/// for the speed regression check and as an independent check of the production kernels
/// (`Conv1DLayer.forward`, `DenseLayer.forward`).
public enum NaiveReference {
    /// Pre-activation of `layer` (any stride, dilation, padding and groups) on `[windows, length, inChannels]` →
    /// `[windows, outLength, outChannels]`.
    public static func conv1D(_ layer: Conv1DLayer, input: [Float], windows: Int, length: Int) -> [Float] {
        let (left, _) = layer.pads(length: length)
        let outLength = layer.outputLength(length)
        let cin = layer.inChannels, cout = layer.outChannels
        let cg = cin / layer.groups, og = cout / layer.groups
        var y = [Float](repeating: 0, count: windows * outLength * cout)
        for n in 0..<windows {
            for t in 0..<outLength {
                for o in 0..<cout {
                    var acc = layer.bias?[o] ?? 0
                    for j in 0..<layer.kernelSize {
                        let s = t * layer.stride + j * layer.dilation - left
                        guard s >= 0, s < length else { continue }
                        for c in 0..<cg {
                            acc += layer.kernel[(j * cg + c) * cout + o] * input[(n * length + s) * cin + (o / og) * cg + c]
                        }
                    }
                    y[(n * outLength + t) * cout + o] = acc
                }
            }
        }
        return y
    }

    /// Dense layer with its activation as a plain loop: `[rows, inFeatures]` → `[rows, units]`.
    public static func dense(_ layer: DenseLayer, input: [Float], rows: Int) -> [Float] {
        var y = [Float](repeating: 0, count: rows * layer.units)
        for r in 0..<rows {
            for o in 0..<layer.units {
                var acc = layer.bias?[o] ?? 0
                for c in 0..<layer.inFeatures { acc += input[r * layer.inFeatures + c] * layer.kernel[c * layer.units + o] }
                y[r * layer.units + o] = layer.activation.apply(acc)
            }
        }
        return y
    }
}
