import Foundation
import PPGFormats
import PPGSignals
import Testing

/// Manifests, output names and shards.
@Suite struct CohortManifestTests {
    func write(_ text: String) throws -> String {
        let dir = NSTemporaryDirectory() + "ppgscope-manifest-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try text.write(toFile: dir + "/m.csv", atomically: true, encoding: .utf8)
        return dir
    }

    @Test func csvManifestGivesPathsRelativeToItselfReferencesAndLabels() throws {
        let dir = try write("path,reference_hr,subject,activity\n# comment\na/S1.h5,a/S1_hr.csv,S1,\"walking, fast\"\n/abs/S2.h5,,S2,sitting\n")
        let inputs = try CohortManifest.read(dir + "/m.csv")
        #expect(inputs.count == 2)
        #expect(inputs[0].path == dir + "/a/S1.h5" && inputs[0].referenceHR == dir + "/a/S1_hr.csv")
        #expect(inputs[0].labels == ["subject": "S1", "activity": "walking, fast"])
        #expect(inputs[1].path == "/abs/S2.h5" && inputs[1].referenceHR == nil && inputs[1].labels == ["subject": "S2", "activity": "sitting"])
    }

    @Test func bareListIsOnePathPerLine() throws {
        let dir = try write("x.h5\n\n/y/z.wav\n")
        #expect(try CohortManifest.read(dir + "/m.csv").map(\.path) == [dir + "/x.h5", "/y/z.wav"])
    }

    @Test func badManifestsNameTheFileAndLine() throws {
        let dir = try write("path,subject\nS1.h5,a,b\n")
        #expect(throws: PPGScopeError(file: dir + "/m.csv", object: "line 2", "3 cells, the header has 2")) { try CohortManifest.read(dir + "/m.csv") }
        #expect(throws: PPGScopeError(file: dir + "/none.csv", "no such file")) { try CohortManifest.read(dir + "/none.csv") }
    }

    @Test func sharedFileNamesGetStableDistinctKeysIndependentOfOrder() throws {
        let inputs = ["/d1/S1.h5", "/d2/S1.h5", "/d1/S2.h5"].map { CohortInput(key: "", path: $0) }
        let keys = try CohortManifest.keyed(inputs).map(\.key)
        #expect(keys[2] == "S2" && keys[0].hasPrefix("S1-") && keys[1].hasPrefix("S1-") && keys[0] != keys[1])
        let reversed = try CohortManifest.keyed(inputs.reversed()).map(\.key)
        #expect(reversed == keys.reversed())
        #expect(throws: PPGScopeError.self) { try CohortManifest.keyed(inputs + [inputs[0]]) }
    }

    @Test func shardsPartitionTheInputsWhateverTheirOrder() {
        let keys = (0..<40).map { "rec\($0)" }
        let shards = (0..<4).map { k in Set(keys.filter { CohortManifest.inShard($0, index: k, count: 4) }) }
        #expect(shards.map(\.count).reduce(0, +) == keys.count)
        #expect(Set(shards.flatMap { $0 }) == Set(keys))
        #expect(shards.allSatisfy { !$0.isEmpty })
        // FNV-1a 64 of "a" (the published test vector), so shards agree across machines.
        #expect(CohortManifest.stableHash("a") == 0xaf63_dc4c_8601_ec8c)
    }
}
