import Foundation
import PPGFormats
import PPGSignals

/// Joins the output directories of a sharded cohort run (`batch --shard K/N`) into one directory
/// with the same files an unsharded run writes: each recording's directory is copied as it is,
/// and the cohort files are built by `CohortReport.assemble`, exactly as `batch` builds them.
public enum CohortMerge {
    /// Checks that `shards` are the N shards of one run (same model file, options and input list;
    /// every index 0..<N once; every recording of each processed or recorded as failed) and merges
    /// them into `out`. Errors name the directories concerned.
    @discardableResult
    public static func merge(_ shards: [String], into out: String) throws -> CohortSummary {
        guard !shards.isEmpty else { throw PPGScopeError("no shard directories given") }
        var described: [(path: String, run: CohortRunDescription)] = []
        for path in shards {
            guard let run = try CohortDirectory(path).description() else {
                throw PPGScopeError(file: path, "is not a ppgscope batch output directory (no run.json)")
            }
            described.append((path, run))
        }
        let first = described[0]
        for other in described.dropFirst() {
            let differences = first.run.differences(from: other.run)
            guard differences.isEmpty else {
                throw PPGScopeError(file: other.path, "is not a shard of the same run as \(first.path): they differ in \(differences.joined(separator: ", "))")
            }
        }
        let count = first.run.shard?.count ?? 1
        var byIndex: [Int: String] = [:]
        for (path, run) in described {
            let shard = run.shard ?? .init(index: 0, count: 1)
            guard shard.count == count else {
                throw PPGScopeError(file: path, "is shard \(shard.text) but \(first.path) is shard \(first.run.shard?.text ?? "0/1"): different shard counts")
            }
            if let earlier = byIndex[shard.index] {
                throw PPGScopeError(file: path, "overlaps \(earlier): both are shard \(shard.text)")
            }
            byIndex[shard.index] = path
        }
        let missing = (0..<count).filter { byIndex[$0] == nil }
        guard missing.isEmpty else {
            throw PPGScopeError("shard\(missing.count > 1 ? "s" : "") \(missing.map { "\($0)/\(count)" }.joined(separator: ", ")) missing (given: \(byIndex.keys.sorted().map { "\($0)/\(count)" }.joined(separator: ", ")))")
        }
        for (path, run) in described {
            let dir = CohortDirectory(path)
            let unfinished = run.ownInputs.filter { !dir.isDone($0.key) && !dir.hasFailed($0.key) }.map(\.key)
            guard unfinished.isEmpty else {
                throw PPGScopeError(file: path, "shard \(run.shard?.text ?? "0/1") is incomplete: \(unfinished.count) recording(s) not processed (\(unfinished.prefix(5).joined(separator: ", "))\(unfinished.count > 5 ? ", …" : "")); run it again with --resume")
            }
        }

        var merged = first.run
        merged.shard = nil
        let target = CohortDirectory(out)
        try target.prepare(for: merged, resume: false, replaceSameRun: true)
        let fm = FileManager.default
        for (path, run) in described {
            let source = CohortDirectory(path)
            for input in run.ownInputs {
                if source.isDone(input.key) {
                    try AtomicOutput.directory(target.recording(input.key)) { temporary in
                        for name in try fm.contentsOfDirectory(atPath: source.recording(input.key)).sorted() {
                            try fm.copyItem(atPath: source.recording(input.key) + "/" + name, toPath: temporary + "/" + name)
                        }
                    }
                    try? fm.removeItem(atPath: target.failure(input.key))
                } else {
                    try AtomicOutput.text(try String(contentsOfFile: source.failure(input.key), encoding: .utf8), to: target.failure(input.key))
                    try? fm.removeItem(atPath: target.recording(input.key))
                }
            }
        }
        return try CohortReport.assemble(target, run: merged)
    }
}
