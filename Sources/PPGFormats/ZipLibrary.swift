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
    static let loaded: Result<ZipLibrary, LoadError> = {
        guard let library = dlopen("libzip.so.4", RTLD_NOW | RTLD_LOCAL) ?? dlopen("libzip.so", RTLD_NOW | RTLD_LOCAL) else {
            return .failure(LoadError(message: "cannot load libzip (libzip.so.4; Debian package libzip4): \(String(cString: dlerror()))"))
        }
        func symbol<T>(_ name: String, _ type: T.Type) throws(LoadError) -> T {
            guard let address = dlsym(library, name) else { throw LoadError(message: "libzip has no \(name)") }
            return unsafeBitCast(address, to: type)
        }
        do throws(LoadError) {
            return .success(ZipLibrary(
                open: try symbol("zip_open", (@convention(c) (UnsafePointer<CChar>?, Int32, UnsafeMutablePointer<Int32>?) -> Archive?).self),
                discard: try symbol("zip_discard", (@convention(c) (Archive?) -> Void).self),
                entryCount: try symbol("zip_get_num_entries", (@convention(c) (Archive?, zip_flags_t) -> zip_int64_t).self),
                statIndex: try symbol("zip_stat_index", (@convention(c) (Archive?, zip_uint64_t, zip_flags_t, UnsafeMutablePointer<zip_stat_t>?) -> Int32).self),
                openIndex: try symbol("zip_fopen_index", (@convention(c) (Archive?, zip_uint64_t, zip_flags_t) -> File?).self),
                read: try symbol("zip_fread", (@convention(c) (File?, UnsafeMutableRawPointer?, zip_uint64_t) -> zip_int64_t).self),
                closeFile: try symbol("zip_fclose", (@convention(c) (File?) -> Int32).self),
                archiveError: try symbol("zip_strerror", (@convention(c) (Archive?) -> UnsafePointer<CChar>?).self),
                fileError: try symbol("zip_file_strerror", (@convention(c) (File?) -> UnsafePointer<CChar>?).self),
                errorInit: try symbol("zip_error_init_with_code", (@convention(c) (UnsafeMutablePointer<zip_error_t>?, Int32) -> Void).self),
                errorString: try symbol("zip_error_strerror", (@convention(c) (UnsafeMutablePointer<zip_error_t>?) -> UnsafePointer<CChar>?).self),
                errorFini: try symbol("zip_error_fini", (@convention(c) (UnsafeMutablePointer<zip_error_t>?) -> Void).self),
                version: try symbol("zip_libzip_version", (@convention(c) () -> UnsafePointer<CChar>?).self)))
        } catch {
            return .failure(error)
        }
    }()

    struct LoadError: Error {
        let message: String
    }

    /// The loaded library, or an error naming `path` (the file that needed it).
    static func forFile(_ path: String) throws -> ZipLibrary {
        switch loaded {
        case .success(let library): return library
        case .failure(let error): throw PPGScopeError(file: path, error.message)
        }
    }

    /// The text of a `zip_open` error code.
    func message(code: Int32) -> String {
        var error = zip_error_t()
        errorInit(&error, code)
        defer { errorFini(&error) }
        return errorString(&error).map { String(cString: $0) } ?? "libzip error \(code)"
    }
}
