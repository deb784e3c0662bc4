import Foundation
import PPGFormats
import PPGSignals
import Testing

/// ZipArchive reads stored and deflated entries through libzip, and names the archive and the
/// entry in every error. Fixture: Tests/PPGFormatsTests/Fixtures/zip_mixed.zip, written by
/// tools/golden/make_keras3_fixtures.py with Python's zipfile.
@Suite struct ZipArchiveTests {
    static let fixture: String = {
        var url = URL(fileURLWithPath: #filePath)
        url.deleteLastPathComponent()
        return url.path + "/Fixtures/zip_mixed.zip"
    }()

    @Test func listsEveryEntryWithItsSizes() throws {
        let zip = try ZipArchive.open(Self.fixture)
        #expect(zip.entries.map(\.name) == ["stored.txt", "empty/", "deflated/numbers.txt"])
        #expect(zip.entries[1].isDirectory)
        let numbers = zip.entries[2]
        #expect(numbers.size == (0..<1000).map { "\($0)\n" }.joined().utf8.count)
        #expect(numbers.compressedSize < numbers.size, "the entry is deflated")
        #expect(ZipArchive.hasZipSignature(Self.fixture))
    }

    @Test func readsStoredAndDeflatedEntries() throws {
        let zip = try ZipArchive.open(Self.fixture)
        #expect(try zip.text("stored.txt") == "stored, not compressed\n")
        #expect(try zip.text("deflated/numbers.txt") == (0..<1000).map { "\($0)\n" }.joined())
    }

    @Test func extractsAnEntryToAFile() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let zip = try ZipArchive.open(Self.fixture)
        try zip.extract("deflated/numbers.txt", to: dir.file("numbers.txt"))
        #expect(try String(contentsOfFile: dir.file("numbers.txt"), encoding: .utf8) == (0..<1000).map { "\($0)\n" }.joined())
    }

    @Test func aMissingEntryNamesTheArchiveTheEntryAndWhatIsThere() throws {
        let zip = try ZipArchive.open(Self.fixture)
        let error = try #require(throws: PPGScopeError.self) { try zip.data("model.weights.h5") }
        #expect(error.file == Self.fixture)
        #expect(error.object == "model.weights.h5")
        #expect(error.message.contains("stored.txt"))
    }

    @Test func aTruncatedArchiveFailsAtOpen() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.fixture))
        let path = dir.file("truncated.zip")
        try bytes.prefix(bytes.count - 30).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: PPGScopeError.self) { try ZipArchive.open(path) }
        #expect(error.file == path)
        #expect(error.message.contains("truncated"), "\(error)")
    }

    @Test func aFileThatIsNotAZipIsRefused() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("plain.zip")
        try "not a zip".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(!ZipArchive.hasZipSignature(path))
        #expect(throws: PPGScopeError.self) { try ZipArchive.open(path) }
        #expect(throws: PPGScopeError.self) { try ZipArchive.open(dir.file("missing.zip")) }
    }
}
