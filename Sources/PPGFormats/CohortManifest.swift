import Foundation
import PPGSignals

/// One recording of a cohort: where it is, its optional reference-HR file, its labels and the
/// key that names its outputs (`recordings/<key>/`).
public struct CohortInput: Sendable, Codable, Equatable {
    /// Unique within the cohort and stable: the file's stem, with a hash of the path appended when
    /// several inputs share a stem. Depends only on the set of inputs, never on their order.
    public var key: String
    /// The recording file (relative paths in a manifest are taken relative to the manifest's directory).
    public var path: String
    /// A `time_s,bpm` CSV that replaces the recording's own reference HR.
    public var referenceHR: String?
    /// Labels such as subject and activity (the manifest's extra columns).
    public var labels: [String: String]

    public init(key: String, path: String, referenceHR: String? = nil, labels: [String: String] = [:]) {
        self.key = key
        self.path = path
        self.referenceHR = referenceHR
        self.labels = labels
    }
}

/// The recordings of a cohort: from a manifest (a CSV with a header `path[,reference_hr][,label...]`,
/// or a bare list of paths, one per line; blank lines and `#` comments skipped) or from paths given
/// on the command line; and a deterministic share of them for one of N shards.
public enum CohortManifest {
    /// The entries of manifest `path`, in file order, without keys (see `keyed`).
    public static func read(_ path: String) throws -> [CohortInput] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw PPGScopeError(file: path, FileManager.default.fileExists(atPath: path) ? "not readable as UTF-8 text" : "no such file")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : base.appendingPathComponent(p).standardizedFileURL.path }
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated()
            .map { ($0.offset + 1, String($0.element)) }
            .filter { !$0.1.trimmingCharacters(in: .whitespaces).isEmpty && !$0.1.hasPrefix("#") }
        guard let first = lines.first else { throw PPGScopeError(file: path, "lists no recordings") }
        let header = try cells(first.1, line: first.0, file: path)
        guard header.first?.lowercased() == "path" else {
            return lines.map { CohortInput(key: "", path: resolve($0.1.trimmingCharacters(in: .whitespaces))) }
        }
        lines.removeFirst()
        let names = header.map { $0.lowercased() }
        if let duplicate = names.first(where: { n in names.filter { $0 == n }.count > 1 }) {
            throw PPGScopeError(file: path, object: "header", "column '\(duplicate)' appears twice")
        }
        var inputs: [CohortInput] = []
        for (number, line) in lines {
            let row = try cells(line, line: number, file: path)
            guard row.count == header.count else {
                throw PPGScopeError(file: path, object: "line \(number)", "\(row.count) cells, the header has \(header.count)")
            }
            guard !row[0].isEmpty else { throw PPGScopeError(file: path, object: "line \(number)", "empty path") }
            var input = CohortInput(key: "", path: resolve(row[0]))
            for (name, value) in zip(names, row).dropFirst() where !value.isEmpty {
                if name == "reference_hr" { input.referenceHR = resolve(value) } else { input.labels[name] = value }
            }
            inputs.append(input)
        }
        guard !inputs.isEmpty else { throw PPGScopeError(file: path, "lists no recordings") }
        return inputs
    }

    /// One CSV line's cells: comma-separated, trimmed, with double-quoted cells (`""` for a quote).
    static func cells(_ line: String, line number: Int, file: String) throws -> [String] {
        var cells: [String] = [], cell = "", quoted = false, wasQuoted = false
        var characters = line.makeIterator()
        while let c = characters.next() {
            if quoted {
                if c == "\"" {
                    if let next = characters.next() {
                        if next == "\"" { cell.append("\"") } else {
                            quoted = false
                            if next == "," { cells.append(cell); cell = ""; wasQuoted = false } else if !next.isWhitespace {
                                throw PPGScopeError(file: file, object: "line \(number)", "text after a closing quote")
                            }
                        }
                    } else { quoted = false }
                } else { cell.append(c) }
            } else if c == "," {
                cells.append(wasQuoted ? cell : cell.trimmingCharacters(in: .whitespaces)); cell = ""; wasQuoted = false
            } else if c == "\"" && cell.trimmingCharacters(in: .whitespaces).isEmpty {
                cell = ""; quoted = true; wasQuoted = true
            } else { cell.append(c) }
        }
        guard !quoted else { throw PPGScopeError(file: file, object: "line \(number)", "unterminated quote") }
        cells.append(wasQuoted ? cell : cell.trimmingCharacters(in: .whitespaces))
        return cells
    }

    /// The inputs with their keys: the file stem (characters other than letters, digits, `.`, `_`
    /// and `-` replaced by `_`), with `-` and 8 hex digits of the path's hash appended when several
    /// inputs share a stem. A path listed twice is an error.
    public static func keyed(_ inputs: [CohortInput]) throws -> [CohortInput] {
        var seen: [String: Int] = [:]
        for (i, input) in inputs.enumerated() {
            if let j = seen[input.path] { throw PPGScopeError(file: input.path, "listed twice (entries \(j + 1) and \(i + 1))") }
            seen[input.path] = i
        }
        let stems = inputs.map { stem($0.path) }
        var count: [String: Int] = [:]
        for s in stems { count[s, default: 0] += 1 }
        var result = inputs
        for i in result.indices {
            result[i].key = count[stems[i]]! > 1 ? stems[i] + "-" + String(format: "%08x", UInt32(truncatingIfNeeded: stableHash(inputs[i].path))) : stems[i]
        }
        var keys = Set<String>()
        for input in result where !keys.insert(input.key).inserted {
            throw PPGScopeError(file: input.path, "its output name '\(input.key)' collides with another input's; rename one of them")
        }
        return result
    }

    static func stem(_ path: String) -> String {
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let cleaned = String(name.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "._-".unicodeScalars.contains($0) ? Character($0) : "_" })
        return cleaned.isEmpty || cleaned.hasPrefix(".") ? "_" + cleaned : cleaned
    }

    /// FNV-1a (64 bit) of the UTF-8 bytes: the same in every process and on every machine
    /// (Swift's `Hasher` is seeded per process).
    public static func stableHash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return h
    }

    /// Whether the input with `key` belongs to shard `index` of `count` (0-based): decided by the
    /// key's hash alone, so a shard's share does not change when the list is reordered.
    public static func inShard(_ key: String, index: Int, count: Int) -> Bool {
        Int(stableHash(key) % UInt64(count)) == index
    }
}
