import Foundation

/// Consecutive windows of one recording overlap: with a shift of `s` samples, window n's samples
/// `[0, L − s)` are window n−1's `[s, L)` (KID-PPG: 8 s windows every 2 s, three quarters shared).
/// Convolutions and poolings commute with shifts wherever they do not reach the window's zero
/// padding, so a conv output row of window n that reads only real samples is the row `s/σ` later
/// of window n−1 (σ: input samples per row at that layer) whenever that row, too, reads only
/// real samples. Those rows are copied instead of computed. The copied values are bit for bit what
/// the kernel would compute: the same products in the same order.
///
/// For KID-PPG's causal blocks and the 2 s shift, per window: block 1's three convs compute 72, 80
/// and 88 of their 256 rows (the first 8, 16, 24, which see the padding, and the last 64, which
/// see new samples), block 2's 30, 38 and 46 of 64, block 3's 31, 32 and 32 of 32 (its rows all
/// reach the padding): 3.86 of 6.43 million multiply-adds, 40 % fewer.
///
/// Whether two windows overlap is read from the data (`overlapFlags`), never assumed: windows
/// that were normalised or filtered one by one do not overlap and are computed in full.
struct ConvRowReuse: Sendable, Equatable {
    /// Rows of window n's output copied from window n−1's output.
    var rows: Range<Int>
    /// Window n's row r is window n−1's row `r + shift`.
    var shift: Int
}

/// What the executor needs to reuse overlapping rows within one batch of consecutive windows.
struct OverlapContext {
    /// Conv node index → the rows it may copy.
    var reuse: [Int: ConvRowReuse]
    /// Per window of the batch: whether its input overlaps the window before it (for window 0:
    /// the window before the batch, whose conv outputs are in `previous`).
    var windowOverlaps: [Bool]
    /// Slot → values of the window before the batch (streaming), for the conv outputs in `reuse`.
    var previous: [Int: [Float]] = [:]
}

enum OverlapReuse {
    /// The conv layers among `order` (node indices, in execution order) whose rows can be copied
    /// between consecutive windows whose input (`inputSlot`) is shifted by `shift` rows, and how.
    /// Follows single-input chains of stride-1 convs, valid average poolings and identities from
    /// the input; a pooling whose stride does not divide the shift ends the chain. Empty with
    /// activation edits (an edit may mix rows).
    static func plan(_ network: Network, order: [Int], inputSlot: Int, shift: Int) -> [Int: ConvRowReuse] {
        guard shift > 0, network.activationEdits.isEmpty else { return [:] }
        /// Per slot: the shift between consecutive windows in rows, and the rows that read no padding.
        var tracked: [Int: (shift: Int, clean: Range<Int>)] = [inputSlot: (shift, 0..<network.shape(of: inputSlot)[0])]
        var reuse: [Int: ConvRowReuse] = [:]
        for index in order {
            let node = network.nodes[index]
            guard node.inputs.count == 1, let t = tracked[node.inputs[0]] else { continue }
            let length = network.shape(of: node.inputs[0])[0]
            switch node.operation {
            case .identity, .channelSlice:
                tracked[node.output] = t
            case .conv1D(let layer) where layer.stride == 1:
                // Output row r reads input rows r − left … r − left + span.
                let span = (layer.kernelSize - 1) * layer.dilation
                let left = layer.pads(length: length).left
                let lo = t.clean.lowerBound + left
                let hi = min(layer.outputLength(length), t.clean.upperBound + left - span)
                let clean = lo..<max(lo, hi)
                tracked[node.output] = (t.shift, clean)
                let rows = clean.lowerBound..<max(clean.lowerBound, clean.upperBound - t.shift)
                if !rows.isEmpty { reuse[index] = ConvRowReuse(rows: rows, shift: t.shift) }
            case .averagePooling(let layer) where layer.padding != .same && t.shift % layer.stride == 0:
                // Output row p reads input rows p·stride … p·stride + poolSize − 1.
                let lo = (t.clean.lowerBound + layer.stride - 1) / layer.stride
                let hi = t.clean.upperBound >= layer.poolSize ? (t.clean.upperBound - layer.poolSize) / layer.stride + 1 : 0
                tracked[node.output] = (t.shift / layer.stride, lo..<max(lo, hi))
            default:
                continue
            }
        }
        return reuse
    }

    /// Per window of `input` (`[windows, length, channels]` row-major): whether its first
    /// `length − shift` rows are bit for bit the last ones of the window before it (`previous`,
    /// one window, for window 0).
    static func overlapFlags(_ input: [Float], windows: Int, length: Int, channels: Int, shift: Int,
                             previous: [Float]? = nil) -> [Bool] {
        guard shift > 0, shift < length else { return [Bool](repeating: false, count: windows) }
        let window = length * channels, shared = (length - shift) * channels, offset = shift * channels
        return input.withUnsafeBytes { x in
            (0..<windows).map { n in
                let current = x.baseAddress! + n * window * 4
                if n > 0 { return memcmp(current, current - (window - offset) * 4, shared * 4) == 0 }
                guard let previous, previous.count == window else { return false }
                return previous.withUnsafeBytes { memcmp(current, $0.baseAddress! + offset * 4, shared * 4) == 0 }
            }
        }
    }
}

extension Network {
    /// Runs `order` on `windows` consecutive windows `input` (at `inputSlot`) that may overlap
    /// by `shift` rows, copying the rows `plan` allows (`OverlapReuse`). `carry` is the window
    /// before the batch (its input and its reusable conv outputs, empty at the start of a
    /// recording) and becomes the batch's last window. With an empty plan this is `execute`.
    func executeOverlapping(nodes order: [Int], inputSlot: Int, input: [Float], windows n: Int, keep: Set<Int>,
                            taps selection: TapSelection, plan: [Int: ConvRowReuse], shift: Int,
                            carry: inout [Int: [Float]]) -> (slots: [Int: [Float]], taps: [String: Tensor]) {
        guard !plan.isEmpty else {
            let run = execute(nodes: order, presets: [inputSlot: input], windows: n, keep: keep, taps: selection)
            return (run.slots, run.taps)
        }
        let inputShape = shape(of: inputSlot)
        let flags = OverlapReuse.overlapFlags(input, windows: n, length: inputShape[0], channels: inputShape[1], shift: shift,
                                              previous: carry[inputSlot])
        let run = execute(nodes: order, presets: [inputSlot: input], windows: n, keep: keep, taps: selection,
                          overlap: OverlapContext(reuse: plan, windowOverlaps: flags, previous: carry))
        carry = run.lastWindow
        carry[inputSlot] = Array(input.suffix(input.count / n))
        return (run.slots, run.taps)
    }
}
