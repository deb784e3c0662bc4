import Foundation
import Testing

/// Damaged files through the binary: the fuzzer's findings (tools/fuzz/regressions) end with exit
/// status 1, a message naming the file and no output; never a crash, a hang or a NaN.
@Suite struct ReliabilityTests {
    static let regressions = "\(CLI.repository)/tools/fuzz/regressions"
    static let seedRecording = "\(CLI.repository)/tools/fuzz/seeds/recording.h5"
    static let model = CLI.fixture("variant_single.h5")

    /// Runs the binary with extra environment variables; also returns the wall time in seconds.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (CLI.Result, seconds: Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: CLI.repository)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let start = Date()
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let result = CLI.Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                                stderr: String(decoding: errData, as: UTF8.self))
        return (result, Date().timeIntervalSince(start))
    }

    static func leftovers(_ dir: String) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: dir) }

    @Test func aFileThatMakesHDF5LoopForEverEndsWithExit1Within20Seconds() throws {
        let dir = try CLI.temporaryDirectory("hang")
        let file = "\(Self.regressions)/hang_global_heap.h5"
        let (r, seconds) = try Self.run(["hr", "--model", Self.model, "--recording", file, "--out", dir + "/hr.csv"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(seconds < 20, "took \(seconds) s")
        #expect(r.stderr.contains("the HDF5 library did not finish reading \(file)") && r.stderr.contains("the file is probably corrupt"), "\(r.stderr)")
        #expect(try Self.leftovers(dir).isEmpty)
    }

    @Test func aFileThatCrashesHDF5EndsWithExit1NamingIt() throws {
        let dir = try CLI.temporaryDirectory("segv")
        let file = "\(Self.regressions)/segv_global_heap_size.h5"
        let (r, _) = try Self.run(["convert", file, dir + "/out.csv"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("the HDF5 library crashed reading \(file): the file is probably corrupt"), "\(r.stderr)")
        #expect(try Self.leftovers(dir).isEmpty)
    }

    /// Fuzzer findings where HDF5 1.10.8 writes past its buffers: glibc aborts in `free`, the heap
    /// is too damaged for anything but `write` and `_exit` afterwards, or ppgscope's own code
    /// faults on the damaged heap after the library call has returned (the model file still open).
    @Test(arguments: ["abort_heap_corruption.h5", "segv_in_crash_handler.h5", "latent_heap_corruption_model.h5"])
    func heapCorruptionInsideHDF5EndsWithExit1(_ name: String) throws {
        let file = "\(Self.regressions)/\(name)"
        let (r, _) = try Self.run(["info", file])
        #expect(r.status == 1 && r.stderr.contains("the HDF5 library crashed reading \(file): the file is probably corrupt"), "\(r.stderr)")
    }

    @Test func anAbsurdReferenceHeartRateIsRefused() throws {
        let (r, _) = try Self.run(["info", "\(Self.regressions)/huge_reference_hr.h5"])
        #expect(r.status == 1 && r.stderr.contains("huge_reference_hr.h5: reference_hr: entry 5") && r.stderr.contains("0–1000 BPM"), "\(r.stderr)")
    }

    @Test func aSubnormalSamplingRateIsRefused() throws {
        let (r, _) = try Self.run(["hr", "--model", Self.model, "--recording", "\(Self.regressions)/subnormal_sampling_rate.h5"])
        #expect(r.status == 1 && r.stderr.contains("subnormal_sampling_rate.h5: ppg: sampling rate") && r.stderr.contains("outside"), "\(r.stderr)")
    }

    @Test func aDatasetClaimingTerabytesIsRefusedBeforeAllocating() throws {
        let file = "\(Self.regressions)/huge_dataset_claim.h5"
        let (memory, _) = try Self.run(["info", file], environment: ["PPGSCOPE_MAX_MEMORY": "1G"])
        #expect(memory.status == 1 && memory.stderr.contains("channels/ppg [1099511627776]: would take 4.4 TB in memory, more than the limit of 1.1 GB"),
                "\(memory.stderr)")
        let (storage, _) = try Self.run(["info", file], environment: ["PPGSCOPE_MAX_MEMORY": "100T"])
        #expect(storage.status == 1 && storage.stderr.contains("claims 4.4 TB of uncompressed data, but the file holds 6.8 kB"), "\(storage.stderr)")
    }

    @Test func aNaNInAConvKernelHiddenByTheReLUIsAnErrorNamingTheLayer() throws {
        let dir = try CLI.temporaryDirectory("nan-kernel")
        let (r, _) = try Self.run(["hr", "--model", "\(Self.regressions)/nan_conv_kernel.h5", "--recording", Self.seedRecording,
                                   "--out", dir + "/hr.csv"])
        #expect(r.status == 1 && r.stderr.contains("conv1d_4"), "\(r.stderr)")
        #expect(try Self.leftovers(dir).isEmpty)
    }

    /// A fuzzed pair model (tools/fuzz findings, kept as found) with a NaN in an attention weight,
    /// which the later layers would turn into finite, constant outputs: refused at load, naming
    /// the layer.
    @Test func aNonFiniteAttentionWeightHiddenByLaterLayersIsAnError() throws {
        let dir = try CLI.temporaryDirectory("attention")
        let (r, _) = try Self.run(["hr", "--model", "\(Self.regressions)/attention_nonfinite_pair.h5", "--recording", Self.seedRecording,
                                   "--out", dir + "/hr.csv"])
        #expect(r.status == 1 && r.stderr.contains("multi_head_attention (MultiHeadAttention)"), "\(r.stderr)")
        #expect(try Self.leftovers(dir).isEmpty)
    }

    /// Every committed finding, read by `info`: exit 0 or 1, never a signal or another status.
    @Test func everyRegressionFixtureEndsCleanly() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.regressions).filter { !$0.hasSuffix(".py") }.sorted()
        #expect(files.count >= 6)
        for name in files {
            let (r, _) = try Self.run(["info", "\(Self.regressions)/\(name)"], environment: ["PPGSCOPE_HDF5_TIMEOUT_S": "2"])
            #expect(r.status == 0 || r.status == 1, "\(name): status \(r.status) \(r.stderr)")
            #expect(!r.stderr.contains("Program crashed"), "\(name): \(r.stderr)")
        }
    }
}
