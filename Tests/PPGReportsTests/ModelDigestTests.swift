import Foundation
import PPGReports
import Testing

/// The model digest that names a cohort run (and decides whether `--resume` and `merge` accept a
/// directory) is the same whatever the file's size against the block it is read in.
@Suite struct ModelDigestTests {
    /// The definition: FNV-1a over the little-endian 64-bit words, then the last bytes, and the size.
    static func reference(_ bytes: [UInt8]) -> String {
        let prime: UInt64 = 0x0000_0100_0000_01b3
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        let words = bytes.count / 8
        for i in 0..<words {
            var w: UInt64 = 0
            for b in 0..<8 { w |= UInt64(bytes[8 * i + b]) << (8 * UInt64(b)) }
            h = (h ^ w) &* prime
        }
        for b in bytes[(8 * words)...] { h = (h ^ UInt64(b)) &* prime }
        return String(format: "fnv1a64w:%016llx:%d", h, bytes.count)
    }

    @Test(arguments: [0, 1, 7, 8, 9, 262_143, 262_144, 262_145, 524_288, 600_001])
    func digestIsTheDefinitionAtEverySize(size: Int) throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 &+ UInt64(size)
        let bytes = (0..<size).map { _ -> UInt8 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ppgscope-digest-\(size)-\(UInt32.random(in: 0...UInt32.max))").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try CohortRunDescription.digest(ofFile: path) == Self.reference(bytes))
    }

    @Test func aMissingFileIsAnErrorNamingIt() {
        let error = #expect(throws: (any Error).self) { try CohortRunDescription.digest(ofFile: "/nonexistent/model.h5") }
        #expect("\(error.map { "\($0)" } ?? "")".contains("/nonexistent/model.h5"))
    }
}
