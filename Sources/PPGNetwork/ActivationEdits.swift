/// Changes applied to a layer's output during the forward pass, for ablation experiments.
public enum ActivationEdit: String, Sendable, Codable {
    /// Subtract each channel's mean over time (per window): the layer passes no DC on.
    case removeDC
    /// Replace each channel by its mean over time: the layer passes only its DC on.
    case keepOnlyDC
}

extension Network {
    /// A copy whose layers named in `edits` (by tap name without call index, e.g.
    /// `model_52/conv1d_119`, so both calls of a shared block are edited) have their output edited
    /// after the activation. The taps show the edited output.
    public func withActivationEdits(_ edits: [String: ActivationEdit]) -> Network {
        var copy = self
        copy.activationEdits = edits
        return copy
    }

    /// A tap name without the sub-model call index: `model_52@2/conv1d_117` → `model_52/conv1d_117`.
    public static func layerPath(_ tapName: String) -> String {
        guard let at = tapName.firstIndex(of: "@"), let slash = tapName[at...].firstIndex(of: "/") else { return tapName }
        return String(tapName[..<at]) + String(tapName[slash...])
    }

    /// Applies `edit` in place to `[windows, time, channels]` values.
    static func apply(_ edit: ActivationEdit, to y: inout [Float], windows: Int, time: Int, channels: Int) {
        for n in 0..<windows {
            var mean = [Double](repeating: 0, count: channels)
            for t in 0..<time { for c in 0..<channels { mean[c] += Double(y[(n * time + t) * channels + c]) } }
            for c in 0..<channels { mean[c] /= Double(time) }
            for t in 0..<time {
                for c in 0..<channels {
                    let i = (n * time + t) * channels + c
                    y[i] = edit == .removeDC ? Float(Double(y[i]) - mean[c]) : Float(mean[c])
                }
            }
        }
    }
}
