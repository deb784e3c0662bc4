import Foundation
@testable import PPGFormats
import PPGSignals
import Testing

/// All-or-nothing outputs: a finished file or directory appears at once, a failed one not at all,
/// and the paths are split as the file system reads them.
@Suite struct AtomicOutputTests {
    @Test(arguments: [("a/b.csv", "a", "b.csv"), ("b.csv", ".", "b.csv"), ("/b", "/", "b"), ("a/b/", "a", "b"), ("./x", ".", "x"),
                      ("/tmp/run/recordings/s6", "/tmp/run/recordings", "s6")])
    func pathsSplitIntoDirectoryAndName(path: String, directory: String, name: String) {
        #expect(OutputPath.split(path) == (directory, name))
        #expect(OutputPath.join(directory, name) == (directory == "/" ? "/" + name : directory + "/" + name))
    }

    @Test(arguments: ["a.h5", "a.H5", ".h5", "a.", "a. h5", "dir.d/file", "a.tar.gz", "/x/a.h5/", "a.h 5", "/", "x/.bashrc", "a..h5",
                      "a.h5//", ".", "..", "a.h/5", "a.é", "a.-x", "rec.dat", "/data/S1.EDF"])
    func extensionsAreFoundationsOwn(path: String) {
        #expect(OutputPath.pathExtension(path) == URL(fileURLWithPath: path).pathExtension)
    }

    @Test func dotComponentsAreResolvedBeforeSplitting() {
        #expect(OutputPath.split(OutputPath.standardized("/tmp/a/./b/../c")) == ("/tmp/a", "c"))
        #expect(OutputPath.standardized("/tmp/a/b") == "/tmp/a/b")
    }

    @Test func aFailedBodyLeavesNothingAndAFinishedOneReplacesTheOutput() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ppgscope-atomic-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        struct Stop: Error {}
        #expect(throws: PPGScopeError.self) { try AtomicOutput.file(dir + "/x.txt") { t in try TextFileWriter.write("half", to: t); throw Stop() } }
        #expect(throws: PPGScopeError.self) { try AtomicOutput.directory(dir + "/d") { t in try TextFileWriter.write("half", to: t + "/f"); throw Stop() } }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty, "no output, no temporary")
        try AtomicOutput.text("one", to: dir + "/sub/x.txt")
        try AtomicOutput.text("two", to: dir + "/sub/x.txt")
        #expect(try String(contentsOfFile: dir + "/sub/x.txt", encoding: .utf8) == "two")
        try AtomicOutput.directory(dir + "/d/") { t in try TextFileWriter.write("1", to: t + "/f") }
        try AtomicOutput.directory(dir + "/d") { t in try TextFileWriter.write("2", to: t + "/g") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/d") == ["g"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["d", "sub"])
        let missing = #expect(throws: PPGScopeError.self) { try AtomicOutput.file(dir + "/no/x.txt") { _ in } }
        #expect(missing?.description.contains("does not exist") == true && missing?.description.contains("no/x.txt") == true)
    }
}
