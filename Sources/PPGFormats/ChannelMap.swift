import PPGSignals

/// Channels the user named: `--ppg NAME`, `--acc X,Y,Z`.
public struct ChannelChoice: Sendable, Equatable {
    public var ppg: String?
    public var acc: [String]?
    public init(ppg: String? = nil, acc: [String]? = nil) {
        self.ppg = ppg
        self.acc = acc
    }
}

/// Which channels of a recording ppgscope uses, and why.
public struct ChannelRoles: Sendable, Equatable {
    /// The PPG channel's name in the file.
    public var ppg: String
    /// The accelerometer channels x, y, z in the file, or empty when there are none.
    public var acc: [String]
    /// A heart-rate channel usable as the reference (BPM), when the file has one.
    public var referenceChannel: String?
    /// How each role was decided ("named", "label", "only signal").
    public var ppgReason: String
    public var accReason: String
}

/// Recognises the PPG, accelerometer and heart-rate channels of a recording by their usual labels,
/// or takes the ones the user named. Pure.
///
/// - PPG: labels such as `ppg`, `bvp`, `pleth`/`PLETH`, `pulse` (at a signal rate), `green`,
///   `ppg_green`, `PPG IR`; an exact `ppg`, `bvp` or `pleth` wins over longer names; a recording with
///   one signal besides accelerometer, heart-rate and activity channels uses it.
/// - Accelerometer: `acc_x`, `ACC X`, `accX`, `ax`, `accel_x`, `accelerometer x`, `x_acc`, … for each axis.
/// - Heart rate (reference): `hr`, `heart rate`, `pulse`, `pulse rate` with unit BPM (or at ≤ 4 Hz);
///   a device's own estimate (`device_hr`, from an E4 export) is never the reference.
/// Two candidates for one role, or none for the PPG, is an error listing the channels found.
public enum ChannelMap {
    /// A label reduced to lower-case letters and digits (`"ACC X"` → `"accx"`, `"PLETH,"` → `"pleth"`).
    public static func key(_ name: String) -> String {
        String(name.lowercased().filter { $0.isLetter || $0.isNumber })
    }

    static let exactPPG: Set<String> = ["ppg", "bvp", "pleth"]
    static let ppgKeys: Set<String> = ["ppg", "bvp", "pleth", "pulse", "green", "plethysmogram", "photoplethysmogram",
                                       "plethysmograph", "ppgsignal", "ir", "infrared", "red"]
    static let ppgPrefixes = ["ppg", "bvp", "pleth"]
    static let hrKeys: Set<String> = ["hr", "heartrate", "hrbpm", "pulserate", "pulse", "bpm", "ecghr", "hrecg", "heartratebpm", "referencehr"]
    static let bpmUnits: Set<String> = ["bpm", "min", "1min", "beatsmin", "beatspermin", "permin", "beatsperminute"]
    static let accPrefixes = ["acc", "accel", "accelerometer", "acceleration", "a"]
    /// Labels that are never the PPG: activity labels, oxygen saturation, respiration, ECG leads,
    /// blood pressure, skin conductance and temperature.
    static let notPPG: Set<String> = ["activity", "spo2", "sao2", "resp", "respiration", "ecg", "ekg", "i", "ii", "iii", "avr", "avl",
                                      "avf", "v", "v1", "v2", "v3", "v4", "v5", "v6", "mlii", "abp", "art", "cvp", "eda", "gsr", "temp",
                                      "temperature", "bp", "co2", "eeg", "emg", "eog"]
    static let notPPGPrefixes = ["ecg", "ekg", "eeg", "emg", "eog", "resp", "spo2", "temp", "eda", "device"]

    /// True for a heart-rate channel (BPM): an HR label with a BPM unit or at ≤ 4 Hz, or any BPM unit.
    static func isHeartRate(_ channel: Channel) -> Bool {
        let k = key(channel.name)
        return bpmUnits.contains(key(channel.unit)) || hrKeys.contains(k) && channel.samplingRateHz <= 4
    }

    /// True for a device's own heart-rate estimate, which is never the reference.
    static func isDeviceEstimate(_ channel: Channel) -> Bool { key(channel.name).contains("device") }

    /// The accelerometer axis (0, 1, 2) a label names, if it names one.
    static func accAxis(_ name: String) -> Int? {
        let k = key(name)
        guard let last = k.last, let axis = "xyz".firstIndex(of: last).map({ "xyz".distance(from: "xyz".startIndex, to: $0) }) else {
            if let first = k.first, let axis = "xyz".firstIndex(of: first), accPrefixes.dropLast().contains(String(k.dropFirst())) {
                return "xyz".distance(from: "xyz".startIndex, to: axis)  // x_acc, xaccel
            }
            return nil
        }
        return accPrefixes.contains(String(k.dropLast())) ? axis : nil
    }

    static func listing(_ recording: Recording) -> String {
        recording.channels.map { "\($0.name) (\(String(format: "%g", $0.samplingRateHz)) Hz, \($0.unit))" }.joined(separator: ", ")
    }

    /// The roles of `recording`'s channels. Throws naming the channels found when the PPG is missing
    /// or ambiguous, an accelerometer axis is ambiguous, or a named channel does not exist.
    public static func roles(of recording: Recording, choice: ChannelChoice = ChannelChoice()) throws -> ChannelRoles {
        func find(_ wanted: String, _ option: String) throws -> String {
            if let c = recording.channels.first(where: { $0.name == wanted }) { return c.name }
            let matches = recording.channels.filter { key($0.name) == key(wanted) }
            if matches.count == 1 { return matches[0].name }
            throw PPGScopeError(object: option, "no channel \"\(wanted)\"; the channels are: \(listing(recording))")
        }
        // Accelerometer.
        var acc: [String] = []
        var accReason = "none found"
        if let named = choice.acc {
            guard named.count == 3 else { throw PPGScopeError(object: "--acc", "give three channels X,Y,Z, found \(named.count)") }
            acc = try named.map { try find($0, "--acc") }
            accReason = "named"
        } else {
            var axes = [[String]](repeating: [], count: 3)
            for c in recording.channels { if let a = accAxis(c.name) { axes[a].append(c.name) } }
            if let axis = axes.firstIndex(where: { $0.count > 1 }) {
                throw PPGScopeError(object: "accelerometer", "several channels could be the \(["x", "y", "z"][axis]) axis (\(axes[axis].joined(separator: ", "))): choose with --acc X,Y,Z; the channels are: \(listing(recording))")
            }
            if axes.allSatisfy({ $0.count == 1 }) {
                acc = axes.map { $0[0] }
                accReason = "label"
            } else if axes.contains(where: { !$0.isEmpty }) {
                accReason = "incomplete (\(axes.flatMap { $0 }.joined(separator: ", "))): not used"
            }
        }
        // Heart rate usable as reference.
        let hr = recording.channels.filter { isHeartRate($0) && !isDeviceEstimate($0) && !acc.contains($0.name) }
        let referenceChannel = hr.count == 1 ? hr[0].name : hr.first { key($0.name) == "hr" }?.name
        // PPG.
        let ppg: String
        let ppgReason: String
        if let named = choice.ppg {
            ppg = try find(named, "--ppg")
            ppgReason = "named"
        } else {
            // A PPG is sampled faster than 4 Hz and is none of the other usual physiological signals.
            let others = recording.channels.filter { c in
                !acc.contains(c.name) && accAxis(c.name) == nil && !isHeartRate(c) && c.samplingRateHz > 4
                    && !notPPG.contains(key(c.name)) && !notPPGPrefixes.contains { key(c.name).hasPrefix($0) }
            }
            let labelled = others.filter { c in
                let k = key(c.name)
                return ppgKeys.contains(k) || ppgPrefixes.contains { k.hasPrefix($0) } || k.contains("green")
            }
            let exact = labelled.filter { exactPPG.contains(key($0.name)) }
            if exact.count == 1 {
                (ppg, ppgReason) = (exact[0].name, "label")
            } else if labelled.count == 1 {
                (ppg, ppgReason) = (labelled[0].name, "label")
            } else if labelled.count > 1 {
                throw PPGScopeError(object: "PPG", "several channels could be the PPG (\(labelled.map(\.name).joined(separator: ", "))): choose one with --ppg NAME; the channels are: \(listing(recording))")
            } else if others.count == 1 {
                (ppg, ppgReason) = (others[0].name, "only signal")
            } else {
                throw PPGScopeError(object: "PPG", "no channel is recognisably the PPG: name it with --ppg NAME; the channels are: \(listing(recording))")
            }
        }
        if acc.contains(ppg) || Set(acc).count != acc.count {
            throw PPGScopeError(object: "channels", "the PPG (\(ppg)) and the accelerometer axes (\(acc.joined(separator: ", "))) must be different channels")
        }
        return ChannelRoles(ppg: ppg, acc: acc, referenceChannel: referenceChannel == ppg ? nil : referenceChannel,
                            ppgReason: ppgReason, accReason: accReason)
    }

    /// The recording as the analysis expects it: the PPG renamed `ppg`, the accelerometer `acc_x`,
    /// `acc_y`, `acc_z`, the other channels kept (renamed `<name>_orig` if they would collide), and
    /// the reference HR taken from the heart-rate channel when the recording has none of its own.
    /// The original names are kept in metadata `ppg_channel`, `acc_channels`, `reference_hr_channel`.
    public static func canonical(_ recording: Recording, roles: ChannelRoles) -> Recording {
        var out = recording
        let reserved: Set<String> = ["ppg", "acc_x", "acc_y", "acc_z"]
        let renames = [roles.ppg: "ppg"].merging(zip(roles.acc, ["acc_x", "acc_y", "acc_z"]).map { ($0, $1) }) { a, _ in a }
        var channels: [Channel] = []
        for name in [roles.ppg] + roles.acc {
            var c = recording.channel(name)!
            c.name = renames[name]!
            channels.append(c)
        }
        for var c in recording.channels where renames[c.name] == nil {
            if reserved.contains(c.name) { c.name += "_orig" }
            channels.append(c)
        }
        out.channels = channels
        out.metadata["ppg_channel"] = roles.ppg
        if !roles.acc.isEmpty { out.metadata["acc_channels"] = roles.acc.joined(separator: ",") }
        if out.referenceHR == nil, let name = roles.referenceChannel, let hr = recording.channel(name) {
            out.referenceHR = heartRateSeries(hr)
            out.metadata["reference_hr_channel"] = name
        }
        return out
    }

    /// A heart-rate channel as a series (sample k at k / rate s), values ≤ 0 (monitors' "no reading") dropped.
    public static func heartRateSeries(_ channel: Channel) -> HeartRateSeries {
        var t: [Double] = [], v: [Double] = []
        for (k, bpm) in channel.samples.enumerated() where bpm > 0 {
            t.append(Double(k) / channel.samplingRateHz)
            v.append(Double(bpm))
        }
        return HeartRateSeries(timesS: t, bpm: v)
    }
}
