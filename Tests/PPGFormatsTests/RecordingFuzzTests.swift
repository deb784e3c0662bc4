import Foundation
@testable import PPGFormats
import PPGSignals
import Testing

/// The pure parsers on seeded random mutations of real fixtures: every input gives either a
/// recording that validates or a `PPGScopeError` — never a crash, a hang or another error type.
/// (A crash fails the whole run; an unexpected error type fails the test.)
/// `PPGSCOPE_FUZZ_ROUNDS=N` multiplies the rounds (a longer local search; CI keeps 1).
@Suite struct RecordingFuzzTests {
    static let rounds = Int(ProcessInfo.processInfo.environment["PPGSCOPE_FUZZ_ROUNDS"] ?? "") ?? 1

    /// `bytes` with a few random edits: bytes replaced by digits, separators, signs or random
    /// values; ranges deleted or duplicated; a cut.
    static func mutate(_ bytes: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var b = bytes
        let interesting = Array("0123456789-+.,;\t\n e:/x()T".utf8) + [0, 0xFF]
        for _ in 0..<Int.random(in: 1...4, using: &rng) where !b.isEmpty {
            let i = Int.random(in: 0..<b.count, using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: b[i] = interesting.randomElement(using: &rng)!
            case 1: b[i] = UInt8.random(in: 0...255, using: &rng)
            case 2: b.removeSubrange(i..<min(b.count, i + Int.random(in: 1...16, using: &rng)))
            case 3: b.insert(contentsOf: b[i..<min(b.count, i + Int.random(in: 1...16, using: &rng))], at: i)
            default: b.removeSubrange(i...)
            }
        }
        return b
    }

    static func outcome(_ body: () throws -> Recording) -> Bool {
        do {
            try body().validate()
            return true
        } catch is PPGScopeError {
            return true
        } catch {
            Issue.record("not a PPGScopeError: \(error)")
            return false
        }
    }

    /// A fixture's first `lines` lines (all of a binary file when `lines` is nil): short inputs keep
    /// the many parses fast.
    static func fixture(_ name: String, lines: Int? = 40) throws -> [UInt8] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: RecordingFixtures.path(name))))
        guard let lines, let cut = bytes.indices.filter({ bytes[$0] == 10 }).dropFirst(lines - 1).first else { return bytes }
        return Array(bytes[...cut])
    }

    @Test(arguments: ["semicolon_timer_ms.csv", "datetime_gap.csv", "unix_ms_tab.csv", "bad_time.csv"])
    func csv(_ name: String) throws {
        let original = try Self.fixture(name)
        var rng = SplitMix64(seed: 14)
        for _ in 0..<150 * Self.rounds {
            let text = String(decoding: Self.mutate(original, &rng), as: UTF8.self)
            _ = Self.outcome { try RecordingCSV.parse(text) }
            _ = Self.outcome { try RecordingCSV.parse(text, options: RecordingReadOptions(samplingRateHz: 50)) }
        }
    }

    @Test(arguments: ["16", "212", "80"])
    func wfdb(_ format: String) throws {
        let header = try Self.fixture("multi_\(format).hea"), data = try Self.fixture("multi_\(format).dat")
        var rng = SplitMix64(seed: 14)
        for k in 0..<150 * Self.rounds {
            let h = k % 2 == 0 ? Self.mutate(header, &rng) : header
            let d = k % 2 == 1 ? Self.mutate(data, &rng) : data
            _ = Self.outcome { try RecordingWFDB.recording(try RecordingWFDB.parseHeader(String(decoding: h, as: UTF8.self))) { _ in d } }
        }
    }

    @Test func e4() throws {
        let names = ["BVP.csv", "ACC.csv", "HR.csv", "IBI.csv"]
        let files = try names.map { try Self.fixture("e4/\($0)") }
        var rng = SplitMix64(seed: 14)
        for k in 0..<200 * Self.rounds {
            var texts: [String: String] = [:]
            for (i, name) in names.enumerated() {
                texts[name] = String(decoding: i == k % names.count ? Self.mutate(files[i], &rng) : files[i], as: UTF8.self)
            }
            _ = Self.outcome { try RecordingE4.parse(files: texts) }
        }
    }

    @Test func edfHeaderLayout() throws {
        let head = try Self.fixture("small.edf", lines: nil)
        var rng = SplitMix64(seed: 14)
        for _ in 0..<500 * Self.rounds { _ = RecordingEDF.layout(Self.mutate(Array(head.prefix(256 * 6)), &rng)) }
    }
}
