import CZip
import Foundation
import PPGSignals

/// libzip's functions, loaded the first time a zip archive is read (as `SndFileLibrary` loads
/// libsndfile): linked at start-up, libzip and the libcrypto it depends on would load in every run.
struct ZipLibrary {
    typealias Archive = OpaquePointer
    typealias File = OpaquePointer
    let open: @convention(c) (UnsafePointer<CChar>?, Int32, UnsafeMutablePointer<Int32>?) -> Archive?
    let discard: @convention(c) (Archive?) -> Void
    let entryCount: @convention(c) (Archive?, zip_flags_t) -> zip_int64_t
    let statIndex: @convention(c) (Archive?, zip_uint64_t, zip_flags_t, UnsafeMutablePointer<zip_stat_t>?) -> Int32
    let openIndex: @convention(c) (Archive?, zip_uint64_t, zip_flags_t) -> File?
    let read: @convention(c) (File?, UnsafeMutableRawPointer?, zip_uint64_t) -> zip_int64_t
    let closeFile: @convention(c) (File?) -> Int32
    let archiveError: @convention(c) (Archive?) -> UnsafePointer<CChar>?
    let fileError: @convention(c) (File?) -> UnsafePointer<CChar>?
    let errorInit: @convention(c) (UnsafeMutablePointer<zip_error_t>?, Int32) -> Void
    let errorString: @convention(c) (UnsafeMutablePointer<zip_error_t>?) -> UnsafePointer<CChar>?
    let errorFini: @convention(c) (UnsafeMutablePointer<zip_error_t>?) -> Void
    let version: @convention(c) () -> UnsafePointer<CChar>?

    /// The library (`libzip.so.4`, Debian's libzip4), loaded once; the message says why it could not be.
    static let loaded = Result { () throws(LazyCLibrary.LoadError) -> ZipLibrary in
        let library = try LazyCLibrary("libzip", files: ["libzip.so.4", "libzip.so"], package: "libzip4")
        return ZipLibrary(open: try library.function("zip_open"), discard: try library.function("zip_discard"),
                          entryCount: try library.function("zip_get_num_entries"), statIndex: try library.function("zip_stat_index"),
                          openIndex: try library.function("zip_fopen_index"), read: try library.function("zip_fread"),
                          closeFile: try library.function("zip_fclose"), archiveError: try library.function("zip_strerror"),
                          fileError: try library.function("zip_file_strerror"), errorInit: try library.function("zip_error_init_with_code"),
                          errorString: try library.function("zip_error_strerror"), errorFini: try library.function("zip_error_fini"),
                          version: try library.function("zip_libzip_version"))
    }

    /// The loaded library, or an error naming `path` (the file that needed it).
    static func forFile(_ path: String) throws -> ZipLibrary { try loaded.forFile(path) }

    /// The text of a `zip_open` error code.
    func message(code: Int32) -> String {
        var error = zip_error_t()
        errorInit(&error, code)
        defer { errorFini(&error) }
        return errorString(&error).map { String(cString: $0) } ?? "libzip error \(code)"
    }
}
