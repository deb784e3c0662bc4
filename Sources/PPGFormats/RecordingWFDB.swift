import Foundation
import PPGSignals

/// PhysioNet WFDB records (conventions in data/README.md): a text header `NAME.hea` and binary
/// signal files, read in Swift.
///
/// Header: `name nsig [fs [nsamp [basetime [basedate]]]]`, then one line per signal:
/// `file format[xspf][:skew][+offset] gain[(baseline)][/units] adcres adczero initval checksum
/// blocksize description`. Formats 16, 61, 80, 160, 212, 24 and 32; several signals per file,
/// interleaved by frame; `xspf` samples per frame give multi-rate records (rate = fs · spf).
/// Physical value = (digital − baseline) / gain (gain 0 or absent → 200; baseline absent →
/// adczero; units absent → mV). Invalid samples (the format's most negative value) are filled
/// linearly; runs of 3 or more split the record into segments. The signal name is the description.
public enum RecordingWFDB {
    /// One signal line of a header.
    public struct SignalSpec: Sendable, Equatable {
        public var file: String
        public var format: Int
        public var samplesPerFrame: Int
        public var byteOffset: Int
        public var gain: Double
        public var baseline: Double
        public var units: String
        public var description: String
    }

    /// A parsed header.
    public struct Header: Sendable, Equatable {
        public var record: String
        public var frequencyHz: Double
        public var samplesPerSignal: Int?
        public var startUnixS: Double?
        public var signals: [SignalSpec]
    }

    public static let supportedFormats: Set<Int> = [16, 61, 80, 160, 212, 24, 32]

    /// Parses header text. Pure.
    public static func parseHeader(_ text: String) throws -> Header {
        let lines = text.split(whereSeparator: \.isNewline).enumerated()
            .map { ($0.offset + 1, $0.element.trimmingCharacters(in: .whitespaces)) }
            .filter { !$0.1.isEmpty && !$0.1.hasPrefix("#") }
        guard let (recordLine, first) = lines.first else { throw PPGScopeError("empty header: expected a record line \"name nsig fs nsamp\"") }
        let fields = first.split(whereSeparator: \.isWhitespace).map(String.init)
        guard fields.count >= 2, let nsig = Int(fields[1]), nsig >= 0 else {
            throw PPGScopeError(object: "line \(recordLine)", "expected a record line \"name nsig [fs [nsamp]]\", found \"\(first)\"")
        }
        if fields[0].contains("/") {
            throw PPGScopeError(object: "line \(recordLine)", "multi-segment records (\(fields[0])) are not supported: give one segment's header")
        }
        var fs = 250.0
        if fields.count > 2 {
            let text = fields[2].prefix { $0 != "/" && $0 != "(" }
            guard let v = Double(text), v > 0, v.isFinite else { throw PPGScopeError(object: "line \(recordLine)", "sampling frequency \"\(fields[2])\" is not a positive number") }
            fs = v
        }
        var nsamp: Int?
        if fields.count > 3 {
            guard let v = Int(fields[3]), v >= 0 else { throw PPGScopeError(object: "line \(recordLine)", "samples per signal \"\(fields[3])\" is not a whole number") }
            nsamp = v > 0 ? v : nil
        }
        let start = fields.count > 5 ? startTime(time: fields[4], date: fields[5]) : nil
        guard nsig >= 1 else { throw PPGScopeError(object: "line \(recordLine)", "the record has no signals") }
        guard lines.count - 1 >= nsig else {
            throw PPGScopeError(object: "header", "the record line announces \(nsig) signals but \(lines.count - 1) signal lines follow")
        }
        var signals: [SignalSpec] = []
        for (lineNumber, line) in lines[1...nsig] {
            let f = line.split(maxSplits: 8, whereSeparator: \.isWhitespace).map(String.init)
            guard f.count >= 2 else { throw PPGScopeError(object: "line \(lineNumber)", "expected \"file format gain …\", found \"\(line)\"") }
            // format[xspf][:skew][+offset]
            var formatField = Substring(f[1])
            var offset = 0, spf = 1
            if let plus = formatField.firstIndex(of: "+") {
                guard let v = Int(formatField[formatField.index(after: plus)...]), v >= 0 else { throw PPGScopeError(object: "line \(lineNumber)", "bad byte offset in \"\(f[1])\"") }
                offset = v
                formatField = formatField[..<plus]
            }
            if let colon = formatField.firstIndex(of: ":") { formatField = formatField[..<colon] }
            if let x = formatField.firstIndex(of: "x") {
                guard let v = Int(formatField[formatField.index(after: x)...]), v > 0, v <= 1_000_000 else { throw PPGScopeError(object: "line \(lineNumber)", "bad samples per frame in \"\(f[1])\"") }
                spf = v
                formatField = formatField[..<x]
            }
            guard let format = Int(formatField) else { throw PPGScopeError(object: "line \(lineNumber)", "format \"\(f[1])\" is not a number") }
            guard supportedFormats.contains(format) else {
                throw PPGScopeError(object: "line \(lineNumber)", "WFDB format \(format) is not supported (supported: \(supportedFormats.sorted().map(String.init).joined(separator: ", ")))")
            }
            // gain[(baseline)][/units]
            var gain = 0.0, baseline: Double?, units = "mV"
            if f.count > 2 {
                var g = Substring(f[2])
                if let slash = g.firstIndex(of: "/") { units = String(g[g.index(after: slash)...]); g = g[..<slash] }
                if let open = g.firstIndex(of: "("), let close = g.firstIndex(of: ")"), open < close {
                    guard let b = Double(g[g.index(after: open)..<close]) else { throw PPGScopeError(object: "line \(lineNumber)", "bad baseline in \"\(f[2])\"") }
                    baseline = b
                    g = g[..<open]
                }
                guard let v = Double(g) else { throw PPGScopeError(object: "line \(lineNumber)", "gain \"\(f[2])\" is not a number") }
                gain = v
            }
            let adczero = f.count > 4 ? Double(f[4]) ?? 0 : 0
            let description = f.count > 8 ? f[8].trimmingCharacters(in: .whitespaces) : ""
            signals.append(SignalSpec(file: f[0], format: format, samplesPerFrame: spf, byteOffset: offset,
                                      gain: gain == 0 ? 200 : gain, baseline: baseline ?? adczero, units: units,
                                      description: description))
        }
        return Header(record: fields[0], frequencyHz: fs, samplesPerSignal: nsamp, startUnixS: start, signals: signals)
    }

    /// UNIX seconds of a header's `HH:MM:SS[.sss]` and `DD/MM/YYYY`, or nil.
    static func startTime(time: String, date: String) -> Double? {
        let t = time.split(separator: ":").compactMap { Double($0) }
        let d = date.split(separator: "/").compactMap { Int($0) }
        guard t.count == 3, d.count == 3, (1...9999).contains(d[2]), t.allSatisfy({ $0.isFinite && abs($0) < 1e6 }) else { return nil }
        return Double(CSVTimeColumn.daysFromCivil(d[2], d[1], d[0])) * 86400 + t[0] * 3600 + t[1] * 60 + t[2]
    }

    /// The digital samples of a byte stream in `format`, in stream order; the format's invalid value
    /// becomes nil. Pure.
    public static func decode(_ bytes: [UInt8], format: Int) -> [Int32?] {
        func b(_ i: Int) -> Int32 { Int32(bytes[i]) }
        func valid(_ v: Int32, _ invalid: Int32) -> Int32? { v == invalid ? nil : v }
        var out: [Int32?] = []
        switch format {
        case 16, 61, 160:
            out.reserveCapacity(bytes.count / 2)
            for i in stride(from: 0, to: bytes.count - 1, by: 2) {
                let u: Int32 = format == 61 ? b(i) << 8 | b(i + 1) : b(i) | b(i + 1) << 8
                let v: Int32 = format == 160 ? u - 32768 : (u >= 32768 ? u - 65536 : u)
                out.append(valid(v, -32768))
            }
        case 80:
            out = bytes.map { valid(Int32($0) - 128, -128) }
        case 24:
            out.reserveCapacity(bytes.count / 3)
            for i in stride(from: 0, to: bytes.count - 2, by: 3) {
                let u: Int32 = b(i) | b(i + 1) << 8 | b(i + 2) << 16
                out.append(valid((u << 8) >> 8, -8_388_608))
            }
        case 32:
            out.reserveCapacity(bytes.count / 4)
            for i in stride(from: 0, to: bytes.count - 3, by: 4) {
                let lo = UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8
                let hi = UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
                out.append(valid(Int32(bitPattern: lo | hi), Int32.min))
            }
        case 212:
            out.reserveCapacity(bytes.count * 2 / 3 + 1)
            func s12(_ v: Int32) -> Int32? { valid(v >= 2048 ? v - 4096 : v, -2048) }
            var i = 0
            while i + 1 < bytes.count {
                out.append(s12(b(i) | (b(i + 1) & 0x0F) << 8))
                guard i + 2 < bytes.count else { break }
                out.append(s12(b(i + 2) | (b(i + 1) & 0xF0) << 4))
                i += 3
            }
        default:
            break
        }
        return out
    }

    /// Reads the record whose header is `path` (`NAME.hea`, `NAME` or `NAME.dat`).
    public static func read(_ path: String) throws -> Recording {
        var headerPath = path
        if !headerPath.lowercased().hasSuffix(".hea") {
            headerPath = (headerPath.lowercased().hasSuffix(".dat") ? String(headerPath.dropLast(4)) : headerPath) + ".hea"
        }
        guard let data = FileManager.default.contents(atPath: headerPath) else {
            throw PPGScopeError(file: headerPath, "no such WFDB header")
        }
        do {
            let header = try parseHeader(String(decoding: data, as: UTF8.self))
            let directory = (headerPath as NSString).deletingLastPathComponent
            return try recording(header) { name in
                let file = (directory as NSString).appendingPathComponent(name)
                guard let bytes = FileManager.default.contents(atPath: file) else {
                    throw PPGScopeError(object: name, "the signal file named in the header does not exist (looked for \(file))")
                }
                return [UInt8](bytes)
            }
        } catch let error as PPGScopeError {
            throw error.inFile(headerPath)
        }
    }

    /// Builds the recording from a parsed header and a source of signal-file bytes. Pure apart from `bytes`.
    public static func recording(_ header: Header, bytes: (String) throws -> [UInt8]) throws -> Recording {
        guard !header.signals.isEmpty else { throw PPGScopeError("the record has no signals") }
        var channels = [Channel?](repeating: nil, count: header.signals.count)
        var gapsS: [Range<Double>] = []
        var fileOrder: [String] = []
        for s in header.signals where !fileOrder.contains(s.file) { fileOrder.append(s.file) }
        for file in fileOrder {
            let members = header.signals.indices.filter { header.signals[$0].file == file }
            let format = header.signals[members[0]].format
            guard members.allSatisfy({ header.signals[$0].format == format }) else {
                throw PPGScopeError(object: file, "signals sharing a file must share its format")
            }
            let offset = header.signals[members[0]].byteOffset
            let all = try bytes(file)
            guard all.count >= offset else { throw PPGScopeError(object: file, "shorter (\(all.count) bytes) than its byte offset \(offset)") }
            let stream = decode(Array(all[offset...]), format: format)
            let frameSize = members.map { header.signals[$0].samplesPerFrame }.reduce(0, +)
            let available = stream.count / frameSize
            let frames = header.samplesPerSignal ?? available
            guard available >= frames else {
                throw PPGScopeError(object: file, "truncated: the header announces \(frames) samples per signal but the file holds \(available)")
            }
            guard frames > 0 else { throw PPGScopeError(object: file, "holds no samples") }
            var position = 0
            for k in members {
                let spec = header.signals[k]
                let spf = spec.samplesPerFrame
                var values = [Float](repeating: 0, count: frames * spf)
                for f in 0..<frames {
                    let base = f * frameSize + position
                    for j in 0..<spf {
                        values[f * spf + j] = stream[base + j].map { Float((Double($0) - spec.baseline) / spec.gain) } ?? .nan
                    }
                }
                position += spf
                let rate = header.frequencyHz * Double(spf)
                let name = spec.description.isEmpty ? "signal\(k)" : spec.description
                guard let (filled, gaps) = UniformGrid.fillMissing(values) else {
                    throw PPGScopeError(object: name, "every sample is marked invalid")
                }
                gapsS += gaps.map { Double($0.lowerBound) / rate..<Double($0.upperBound) / rate }
                channels[k] = Channel(name: name, samplingRateHz: rate, unit: spec.units, samples: filled)
            }
        }
        var named = channels.map { $0! }
        var seen: [String: Int] = [:]
        for i in named.indices {
            let count = seen[named[i].name, default: 0]
            seen[named[i].name] = count + 1
            if count > 0 { named[i].name += "_\(count + 1)" }
        }
        let duration = named.map(\.durationS).max() ?? 0
        let recording = Recording(channels: named, metadata: ["format": "wfdb", "record": header.record],
                                  segmentsS: UniformGrid.spans(durationS: duration, avoiding: gapsS),
                                  timing: header.startUnixS.map { SampleTiming(startUnixS: $0) })
        try recording.validate()
        return recording
    }
}
