import CDeflate
import CSndFile
import Foundation

/// The versions of the file-format libraries ppgscope uses, for `ppgscope info --libraries`.
public enum FormatLibraries {
    /// HDF5 and libdeflate (linked statically), libsndfile and libzip (loaded on first use; loaded
    /// here to ask them).
    public static var versions: [(name: String, value: String)] {
        var rows: [(String, String)] = [("HDF5", HDF5File.libraryVersion), ("libdeflate (reads deflated HDF5 chunks)", LIBDEFLATE_VERSION_STRING)]
        switch SndFileLibrary.loaded {
        case .success(let library):
            var buffer = [CChar](repeating: 0, count: 128)
            _ = library.command(nil, Int32(SFC_GET_LIB_VERSION), &buffer, Int32(buffer.count))
            rows.append(("libsndfile", String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)))
        case .failure(let error):
            rows.append(("libsndfile", "not loaded (\(error.message))"))
        }
        rows.append(("libzip", ZipArchive.libraryVersion))
        rows.append(("EDFlib", RecordingEDF.libraryVersion))
        return rows
    }
}
