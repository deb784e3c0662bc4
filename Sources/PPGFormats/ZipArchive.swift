import CZip
import Foundation
import PPGSignals

/// A zip archive opened read-only with libzip: its entry list, and any entry's bytes (inflated
/// and CRC-checked by libzip) in memory or written to a file.
///
/// Errors are `PPGScopeError`s naming the archive and, where there is one, the entry. An
/// archive is opened with libzip's consistency check, so a truncated or damaged archive fails
/// at `open` rather than half-way through an entry.
public final class ZipArchive: @unchecked Sendable {
    /// One entry of the central directory.
    public struct Entry: Sendable, Equatable {
        /// Name inside the archive (`model.weights.h5`, `data/ACC.csv`); directories end in `/`.
        public var name: String
        /// Uncompressed size in bytes.
        public var size: Int
        /// Stored size in bytes (equal to `size` for stored entries).
        public var compressedSize: Int
        /// True for a directory entry.
        public var isDirectory: Bool { name.hasSuffix("/") }
    }

    /// The archive's path, as given to `open`.
    public let path: String
    /// Every entry, in central-directory order.
    public let entries: [Entry]
    private let library: ZipLibrary
    private var handle: ZipLibrary.Archive?
    private let lock = NSLock()

    private init(path: String, library: ZipLibrary, handle: ZipLibrary.Archive, entries: [Entry]) {
        self.path = path
        self.library = library
        self.handle = handle
        self.entries = entries
    }

    deinit { close() }

    /// True when the file at `path` begins with a zip local-file header (`PK\u{3}\u{4}`).
    public static func hasZipSignature(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let magic = (try? handle.read(upToCount: 4)) ?? Data()
        return magic == Data([0x50, 0x4B, 0x03, 0x04])
    }

    /// Opens an existing archive read-only.
    public static func open(_ path: String) throws -> ZipArchive {
        guard FileManager.default.fileExists(atPath: path) else { throw PPGScopeError(file: path, "no such file") }
        let library = try ZipLibrary.forFile(path)
        var code: Int32 = 0
        guard let handle = library.open(path, ZIP_RDONLY | ZIP_CHECKCONS, &code) else {
            let reason: String
            switch code {
            case ZIP_ER_NOZIP: reason = "not a zip archive (or truncated: no central directory)"
            case ZIP_ER_INCONS: reason = "damaged or truncated zip archive (\(library.message(code: code)))"
            default: reason = "cannot open as a zip archive: \(library.message(code: code))"
            }
            throw PPGScopeError(file: path, reason)
        }
        let count = library.entryCount(handle, 0)
        var entries: [Entry] = []
        for index in 0..<max(count, 0) {
            var stat = zip_stat_t()
            guard library.statIndex(handle, zip_uint64_t(index), 0, &stat) == 0, let name = stat.name else {
                let message = library.archiveError(handle).map { String(cString: $0) } ?? "?"
                library.discard(handle)
                throw PPGScopeError(file: path, "cannot read entry \(index) of the central directory: \(message)")
            }
            entries.append(Entry(name: String(cString: name), size: Int(stat.size), compressedSize: Int(stat.comp_size)))
        }
        return ZipArchive(path: path, library: library, handle: handle, entries: entries)
    }

    /// Releases libzip's handle; further reads fail. Safe to call twice.
    public func close() {
        lock.lock()
        defer { lock.unlock() }
        if let handle { library.discard(handle) }
        handle = nil
    }

    /// True when the archive has an entry called exactly `name`.
    public func contains(_ name: String) -> Bool { entries.contains { $0.name == name } }

    /// The entry's bytes, inflated and CRC-checked.
    public func data(_ name: String) throws -> Data {
        var output = Data()
        try read(name) { chunk in output.append(chunk) }
        return output
    }

    /// The entry as UTF-8 text.
    public func text(_ name: String) throws -> String {
        let bytes = try data(name)
        guard let text = String(data: bytes, encoding: .utf8) else {
            throw PPGScopeError(file: path, object: name, "entry is not UTF-8 text")
        }
        return text
    }

    /// Writes the entry to `destination` (created or truncated), streaming in 1 MiB chunks. On
    /// failure the partial file is removed.
    public func extract(_ name: String, to destination: String) throws {
        guard FileManager.default.createFile(atPath: destination, contents: nil),
              let output = FileHandle(forWritingAtPath: destination) else {
            throw PPGScopeError(file: destination, "cannot create file for entry '\(name)' of \(path)")
        }
        do {
            try read(name) { chunk in try output.write(contentsOf: chunk) }
            try output.close()
        } catch {
            try? output.close()
            try? FileManager.default.removeItem(atPath: destination)
            throw error
        }
    }

    /// Streams the entry through `body` in chunks of at most 1 MiB.
    private func read(_ name: String, _ body: (Data) throws -> Void) throws {
        lock.lock()
        defer { lock.unlock() }
        guard let handle else { throw PPGScopeError(file: path, object: name, "archive is closed") }
        guard let index = entries.firstIndex(where: { $0.name == name }) else {
            let names = entries.map(\.name).joined(separator: ", ")
            throw PPGScopeError(file: path, object: name, "no such entry in the archive (it holds: \(names.isEmpty ? "nothing" : names))")
        }
        guard let file = library.openIndex(handle, zip_uint64_t(index), 0) else {
            let message = library.archiveError(handle).map { String(cString: $0) } ?? "?"
            throw PPGScopeError(file: path, object: name, "cannot open entry: \(message)")
        }
        defer { _ = library.closeFile(file) }
        let expected = entries[index].size
        var total = 0
        var buffer = [UInt8](repeating: 0, count: min(max(expected, 1), 1 << 20))
        while true {
            let n = buffer.withUnsafeMutableBytes { library.read(file, $0.baseAddress, zip_uint64_t($0.count)) }
            if n < 0 {
                let message = library.fileError(file).map { String(cString: $0) } ?? "?"
                throw PPGScopeError(file: path, object: name, "cannot read entry (damaged archive?): \(message)")
            }
            if n == 0 { break }
            total += Int(n)
            try body(Data(buffer.prefix(Int(n))))
        }
        guard total == expected else {
            throw PPGScopeError(file: path, object: name, "entry holds \(total) bytes, the central directory says \(expected)")
        }
    }
}

extension ZipArchive {
    /// libzip's version ("1.7.3"), or why it could not be loaded.
    public static var libraryVersion: String {
        switch ZipLibrary.loaded {
        case .success(let library): return library.version().map { String(cString: $0) } ?? "?"
        case .failure(let error): return "not loaded (\(error.message))"
        }
    }
}
