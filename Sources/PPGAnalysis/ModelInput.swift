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
            var prepared = try HeartRatePipeline.prepare(recording, options: options)
            prepared.filterReport.note = note
            return prepared
        } catch let error as PPGScopeError {
            throw source.map { error.inFile($0) } ?? error
        }
    }
}
