import PPGNetwork
import PPGSignals

extension WindowLayout {
    /// The KID-PPG family's windows (KID-PPG, the paper's S5 model): 8 s at 32 Hz every 2 s, as in
    /// PPG-DaLiA's evaluation protocol.
    public static let kidPPG = WindowLayout(length: 256, shift: 64, samplingRateHz: 32)

    /// Windows of `lengthS` seconds every `shiftS` seconds at `samplingRateHz`, rounded to samples.
    public init(lengthS: Double, shiftS: Double, samplingRateHz: Double = WindowLayout.kidPPG.samplingRateHz) {
        self.init(length: Int((lengthS * samplingRateHz).rounded()), shift: Int((shiftS * samplingRateHz).rounded()),
                  samplingRateHz: samplingRateHz)
    }
}

/// A recording made into the windows a model takes: the one way every command (`hr`, `inspect`,
/// `compare`, `batch`, the paper's real-CNN experiment) prepares its input.
public enum ModelInput {
    /// Resamples the recording to the layout's rate, cuts windows, removes the motion artefact and
    /// returns the de-normalised PPG windows `[count × length]` (`HeartRatePipeline.prepare`).
    ///
    /// - The window length follows the model: with the default layout (`WindowLayout.kidPPG`), a
    ///   model taking another number of samples gets windows of its own length at the same rate and
    ///   shift; a layout chosen otherwise must match the model, else this throws.
    /// - A recording without the three accelerometer channels is prepared without the motion
    ///   filter when `skipFilterWithoutACC` (the filter was not asked for explicitly);
    ///   `filterReport.note` says so. Otherwise this throws.
    /// - Errors name `source` (the recording's file) when given.
    public static func prepare(recording: Recording, for network: Network?, options: HeartRateOptions,
                               skipFilterWithoutACC: Bool = true, source: String? = nil) throws -> PreparedWindows {
        var options = options
        if let network {
            let modelLength = network.inputShape[0]
            if options.layout.length != modelLength {
                guard options.layout == .kidPPG else {
                    throw PPGScopeError(file: source, object: "windows",
                                        "the model takes windows of \(modelLength) samples (\(Double(modelLength) / options.layout.samplingRateHz) s at \(options.layout.samplingRateHz) Hz), the layout asked for has \(options.layout.length)")
                }
                options.layout.length = modelLength
            }
        }
        var note: String?
        if skipFilterWithoutACC, options.filter != .none, !HeartRatePipeline.accNames.allSatisfy({ recording.channel($0) != nil }) {
            note = "no accelerometer channels (acc_x, acc_y, acc_z): the motion-artefact filter was skipped"
            options.filter = .none
        }
        do {
            var prepared = recording.segmentsS.isEmpty ? try HeartRatePipeline.prepare(recording, options: options)
                                                       : try prepareSegments(recording, options: options)
            prepared.filterReport.note = [note, prepared.filterReport.note].compactMap { $0 }.joined(separator: "; ").nilIfEmpty
            return prepared
        } catch let error as PPGScopeError {
            throw source.map { error.inFile($0) } ?? error
        }
    }

    /// A recording with gaps: each segment long enough for a window is prepared on its own (its own
    /// resampling and motion filter), so no window straddles a gap; the windows are concatenated
    /// with their start times in the recording. A pair model's first window of a segment is paired
    /// with the last window of the segment before (the model's context, not its input, crosses the gap).
    static func prepareSegments(_ recording: Recording, options: HeartRateOptions) throws -> PreparedWindows {
        let layout = options.layout
        let windowS = Double(layout.length) / layout.samplingRateHz
        var out = PreparedWindows(layout: layout, ppg: [], count: 0, filterReport: FilterReport(mode: options.filter, segments: [], note: nil),
                                  windowStartsS: [])
        var skipped = 0
        for span in recording.segmentsS {
            guard span.upperBound - span.lowerBound >= windowS else { skipped += 1; continue }
            let (part, startS) = recording.slice(span)
            // Samples each used channel gives at the layout's rate (as the resampler makes them).
            let used = part.channels.filter { $0.name == "ppg" || (options.filter != .none && HeartRatePipeline.accNames.contains($0.name)) }
            let usable = (used.isEmpty ? part.channels : used).map { Int((Double($0.samples.count) * layout.samplingRateHz / $0.samplingRateHz).rounded(.down)) }.min() ?? 0
            guard usable >= layout.length else { skipped += 1; continue }
            let prepared = try HeartRatePipeline.prepare(part, options: options)
            for segment in prepared.filterReport.segments {
                var shifted = segment
                shifted.firstWindow += out.count
                out.filterReport.segments.append(shifted)
            }
            out.windowStartsS! += (0..<prepared.count).map { startS + layout.startS($0) }
            out.ppg += prepared.ppg
            out.count += prepared.count
        }
        guard out.count > 0 else {
            let longest = recording.segmentsS.map { $0.upperBound - $0.lowerBound }.max() ?? 0
            throw PPGScopeError(object: "segments", "no continuous segment is as long as one \(String(format: "%.0f", windowS)) s window (the longest of \(recording.segmentsS.count) is \(String(format: "%.1f", longest)) s)")
        }
        out.filterReport.note = "\(recording.segmentsS.count) segments between gaps\(skipped > 0 ? ", \(skipped) shorter than a window skipped" : ""): windows never straddle a gap"
        return out
    }
}

private extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
