import CDeflate
import CHDF5
import Foundation
import PPGSignals

/// The one owner of every HDF5 call in ppgscope.
///
/// Debian's HDF5 takes a global lock, other builds are not thread-safe at all, and the error
/// auto-print setting is per thread; so every call runs inside `HDF5.locked`, which holds one
/// process-wide lock and silences the error stack on the calling thread first.
enum HDF5 {
    private static let lock = NSRecursiveLock()

    /// Sections nested inside the current holder's outermost one (touched only under `lock`).
    nonisolated(unsafe) private static var depth = 0

    /// Runs `body` holding the HDF5 lock. With `reading` (a file opened read-only, and its size in
    /// bytes), the outermost section is watched by `HDF5Watchdog`, which ends the process when the
    /// library does not return in time (corrupt files can make HDF5 1.10.8 loop for ever).
    static func locked<T>(reading file: WatchedFile? = nil, _ body: () throws -> T) rethrows -> T {
        lock.lock()
        depth += 1
        let watched = depth == 1 ? file : nil
        if let watched { HDF5Watchdog.arm(watched.path, boundSeconds: HDF5Watchdog.bound(fileBytes: watched.bytes)) }
        defer {
            if watched != nil { HDF5Watchdog.disarm() }
            depth -= 1
            lock.unlock()
        }
        H5Eset_auto2(hid_t(H5E_DEFAULT), nil, nil)
        return try body()
    }
}

/// A file opened for reading, whose library calls `HDF5Watchdog` and `HDF5CrashGuard` watch.
final class WatchedFile: @unchecked Sendable {
    let path: String
    /// The crash handler's message naming the file, made here because the handler must not allocate.
    let crashMessage: (text: UnsafePointer<CChar>, length: Int)
    let bytes: Int

    init(_ path: String) {
        self.path = path
        crashMessage = HDF5CrashGuard.crashMessage(for: path)
        bytes = FileStatus(path)?.bytes ?? 0
    }

    /// A file image held in memory (an entry of a zip archive), named `path` in messages.
    init(_ path: String, bytes: Int) {
        self.path = path
        crashMessage = HDF5CrashGuard.crashMessage(for: path)
        self.bytes = bytes
    }

}

/// An open HDF5 file. Paths inside it are slash-separated (`model_weights/dense_26/dense_26/bias:0`).
/// Errors are `PPGScopeError`s naming the file and the object.
public final class HDF5File: @unchecked Sendable {
    public let path: String
    private var id: hid_t
    /// The file and its size when opened read-only (its library calls are watched), else nil.
    private let watched: WatchedFile?

    private init(path: String, id: hid_t, watched: WatchedFile?) {
        self.path = path
        self.id = id
        self.watched = watched
    }

    /// `HDF5.locked`, watched when the file was opened for reading.
    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        try HDF5.locked(reading: watched, body)
    }

    deinit { close() }

    /// Opens an existing file read-only.
    public static func open(_ path: String) throws -> HDF5File {
        guard FileManager.default.fileExists(atPath: path) else {
            throw PPGScopeError(file: path, "no such file")
        }
        let watched = WatchedFile(path)
        return try HDF5.locked(reading: watched) {
            HDF5CrashGuard.opened(message: watched.crashMessage.text, length: watched.crashMessage.length)
            // On failure the guard stays armed for the rest of the process: HDF5 may keep state from
            // the damaged file and fault in its clean-up at exit.
            guard H5Fis_hdf5(path) > 0 else {
                throw PPGScopeError(file: path, "not an HDF5 file (or truncated)")
            }
            let fapl = try readingAccessList(path)
            defer { H5Pclose(fapl) }
            let fid = H5Fopen(path, ppg_H5F_ACC_RDONLY(), fapl)
            guard fid >= 0 else { throw PPGScopeError(file: path, "cannot open as HDF5 (damaged or truncated)") }
            return HDF5File(path: path, id: fid, watched: watched)
        }
    }

    /// The file-access list for an input file. `H5F_CLOSE_STRONG`: `close()` also closes every
    /// object of the file still open (an error path that left a dataset or group open), so the
    /// file is really closed there, under the watchdog and the crash guard, rather than by the
    /// library's clean-up at exit, where a damaged file once made `H5F__close_cb` fault.
    private static func readingAccessList(_ name: String) throws -> hid_t {
        let fapl = H5Pcreate(ppg_H5P_FILE_ACCESS())
        guard fapl >= 0 else { throw PPGScopeError(file: name, "cannot create an HDF5 file-access list") }
        guard H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) >= 0 else {
            H5Pclose(fapl)
            throw PPGScopeError(file: name, "cannot set the HDF5 file-close degree")
        }
        return fapl
    }

    /// The 8-byte signature an HDF5 file starts with (without a user block).
    static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Opens an HDF5 file image held in memory, read-only (HDF5's core driver with a file image,
    /// as `H5LTopen_file_image` does): an entry of a zip archive is read without a temporary
    /// file. `name` is used in messages, e.g. `model.keras/model.weights.h5`.
    public static func open(image: Data, name: String) throws -> HDF5File {
        guard image.count >= signature.count, Array(image.prefix(signature.count)) == signature else {
            throw PPGScopeError(file: name, "not an HDF5 file (no HDF5 signature)")
        }
        // Untrusted like a file on disk: watched for hangs and guarded against crashes the same way.
        let watched = WatchedFile(name, bytes: image.count)
        return try HDF5.locked(reading: watched) {
            HDF5CrashGuard.opened(message: watched.crashMessage.text, length: watched.crashMessage.length)
            let fapl = try readingAccessList(name)
            defer { H5Pclose(fapl) }
            // The image is copied into the property list, and from there into the open file.
            let status = image.withUnsafeBytes { bytes in
                H5Pset_fapl_core(fapl, 1 << 16, false) >= 0
                    && H5Pset_file_image(fapl, UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count) >= 0
            }
            guard status else { throw PPGScopeError(file: name, "cannot hand the file image to HDF5") }
            let fid = H5Fopen(name, ppg_H5F_ACC_RDONLY(), fapl)
            guard fid >= 0 else { throw PPGScopeError(file: name, "cannot open as HDF5 (damaged or truncated)") }
            return HDF5File(path: name, id: fid, watched: watched)
        }
    }

    /// Creates (truncates) a file for writing.
    public static func create(_ path: String) throws -> HDF5File {
        try HDF5.locked {
            let fid = H5Fcreate(path, ppg_H5F_ACC_TRUNC(), hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
            guard fid >= 0 else { throw PPGScopeError(file: path, "cannot create HDF5 file") }
            return HDF5File(path: path, id: fid, watched: nil)
        }
    }

    /// Flushes and closes; further calls fail. Safe to call twice.
    public func close() {
        locked {
            if id >= 0 {
                // A damaged file can fail to close; the library then closes it again in its
                // clean-up at exit, so the crash guard stays armed for it until the process ends.
                let status = H5Fclose(id)
                if watched != nil, status >= 0 { HDF5CrashGuard.closed() }
            }
            id = -1
        }
    }

    private func error(_ object: String?, _ message: String) -> PPGScopeError {
        PPGScopeError(file: path, object: object, message)
    }

    // MARK: - Structure

    /// True when a link `objectPath` exists (every intermediate group must exist too).
    public func exists(_ objectPath: String) -> Bool {
        locked {
            var prefix = ""
            for part in objectPath.split(separator: "/") {
                prefix += (prefix.isEmpty ? "" : "/") + part
                if H5Lexists(id, prefix, hid_t(H5P_DEFAULT)) <= 0 { return false }
            }
            return true
        }
    }

    /// True when `objectPath` is a group.
    public func isGroup(_ objectPath: String) -> Bool {
        guard objectPath == "/" || exists(objectPath) else { return false }
        return locked {
            var info = H5O_info_t()
            guard H5Oget_info_by_name2(id, objectPath, &info, UInt32(H5O_INFO_BASIC), hid_t(H5P_DEFAULT)) >= 0 else { return false }
            return info.type == H5O_TYPE_GROUP
        }
    }

    /// Names of the links in a group, in HDF5's name order.
    public func children(_ group: String) throws -> [String] {
        guard group == "/" || exists(group) else { throw error(group, "no such group") }
        return try locked {
            let gid = H5Gopen2(id, group, hid_t(H5P_DEFAULT))
            guard gid >= 0 else { throw error(group, "not a group") }
            defer { H5Gclose(gid) }
            var info = H5G_info_t()
            guard H5Gget_info(gid, &info) >= 0 else { throw error(group, "cannot list") }
            var names: [String] = []
            for i in 0..<info.nlinks {
                let n = H5Lget_name_by_idx(gid, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, hid_t(H5P_DEFAULT))
                guard n >= 0 else { continue }
                var buf = [CChar](repeating: 0, count: Int(n) + 1)
                H5Lget_name_by_idx(gid, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buf, Int(n) + 1, hid_t(H5P_DEFAULT))
                names.append(String(decoding: buf.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            return names
        }
    }

    /// Paths of every dataset under `group`, depth first in name order.
    public func datasets(under group: String) throws -> [String] {
        var out: [String] = []
        for child in try children(group) {
            let path = group == "/" ? child : "\(group)/\(child)"
            if isGroup(path) { out += try datasets(under: path) } else { out.append(path) }
        }
        return out
    }

    /// Creates `group` and any missing parents.
    public func createGroup(_ group: String) throws {
        try locked {
            var prefix = ""
            for part in group.split(separator: "/") {
                prefix += (prefix.isEmpty ? "" : "/") + part
                if H5Lexists(id, prefix, hid_t(H5P_DEFAULT)) > 0 { continue }
                // No modification times stored: the same contents give the same bytes.
                let gcpl = H5Pcreate(ppg_H5P_GROUP_CREATE())
                defer { H5Pclose(gcpl) }
                H5Pset_obj_track_times(gcpl, false)
                let gid = H5Gcreate2(id, prefix, hid_t(H5P_DEFAULT), gcpl, hid_t(H5P_DEFAULT))
                guard gid >= 0 else { throw error(prefix, "cannot create group") }
                H5Gclose(gid)
            }
        }
    }

    // MARK: - Datasets

    /// Shape of a dataset (empty for a scalar).
    public func shape(_ dataset: String) throws -> [Int] {
        try withDataset(dataset) { did in try dataspaceShape(H5Dget_space(did), dataset) }
    }

    /// Reads a numeric dataset as Float32 (HDF5 converts from any stored numeric type).
    public func readFloats(_ dataset: String) throws -> (shape: [Int], values: [Float]) {
        try read(dataset, memType: ppg_H5T_NATIVE_FLOAT(), zero: Float(0))
    }

    /// Reads a numeric dataset as Float64.
    public func readDoubles(_ dataset: String) throws -> (shape: [Int], values: [Double]) {
        try read(dataset, memType: ppg_H5T_NATIVE_DOUBLE(), zero: Double(0))
    }

    private func read<T>(_ dataset: String, memType: hid_t, zero: T) throws -> (shape: [Int], values: [T]) {
        try withDataset(dataset) { did in
            let shape = try dataspaceShape(H5Dget_space(did), dataset)
            let fileType = H5Dget_type(did)
            defer { if fileType >= 0 { H5Tclose(fileType) } }
            let typeClass = H5Tget_class(fileType)
            guard typeClass == H5T_FLOAT || typeClass == H5T_INTEGER else {
                throw error(dataset, "expected a numeric dataset")
            }
            let count = try checkedCount(did, shape, dataset, elementBytes: MemoryLayout<T>.size)
            var values = [T](repeating: zero, count: count)
            if count > 0 {
                let status = values.withUnsafeMutableBytes { buffer in
                    T.self == Float.self && readDeflatedFloats(did, fileType: fileType, shape: shape, into: buffer) ? 0
                        : H5Dread(did, memType, hid_t(H5S_ALL), hid_t(H5S_ALL), hid_t(H5P_DEFAULT), buffer.baseAddress)
                }
                guard status >= 0 else { throw error(dataset, "cannot read data (file damaged or truncated?)") }
            }
            return (shape, values)
        }
    }

    /// Reads a 1-D little-endian Float32 dataset stored in deflated chunks (as `write` and h5py's
    /// gzip store a channel) by decompressing each chunk's stored bytes (H5Dread_chunk) with
    /// libdeflate, about 2.4× faster than HDF5's zlib filter; the values are the same bytes. False,
    /// with nothing to be trusted in `output`, for any other layout, type or filter pipeline, a
    /// chunk not yet written, or a chunk libdeflate does not decode to exactly one chunk: H5Dread
    /// then reads the dataset (and reports what is wrong with it).
    private func readDeflatedFloats(_ did: hid_t, fileType: hid_t, shape: [Int], into output: UnsafeMutableRawBufferPointer) -> Bool {
        guard shape.count == 1, Int(littleEndian: 1) == 1 else { return false }
        let count = shape[0]
        let dcpl = H5Dget_create_plist(did)
        guard dcpl >= 0 else { return false }
        defer { H5Pclose(dcpl) }
        var chunk: hsize_t = 0, flags: UInt32 = 0, valueCount = 1, level: UInt32 = 0, config: UInt32 = 0
        // A chunk longer than the dataset (possible for an extendible one, or a damaged header) is left
        // to H5Dread, so that nothing larger than the dataset's own checked size is allocated here.
        guard H5Pget_layout(dcpl) == H5D_CHUNKED, H5Pget_chunk(dcpl, 1, &chunk) == 1, chunk > 0, chunk <= hsize_t(count),
              H5Pget_nfilters(dcpl) == 1, H5Pget_filter2(dcpl, 0, &flags, &valueCount, &level, 0, nil, &config) == H5Z_FILTER_DEFLATE,
              H5Tequal(fileType, ppg_H5T_IEEE_F32LE()) > 0, let decompressor = Self.decompressor else { return false }
        var fileBytes: hsize_t = 0
        guard H5Fget_filesize(id, &fileBytes) >= 0 else { return false }
        let rows = Int(chunk), chunkBytes = 4 * rows
        let decoded = UnsafeMutableRawPointer.allocate(byteCount: chunkBytes, alignment: 16)
        defer { decoded.deallocate() }
        var stored: [UInt8] = []
        for first in stride(from: 0, to: count, by: rows) {
            var offset = hsize_t(first), size: hsize_t = 0, mask: UInt32 = 0
            guard H5Dget_chunk_storage_size(did, &offset, &size) >= 0, size > 0, size <= fileBytes else { return false }
            if stored.count < Int(size) { stored = [UInt8](repeating: 0, count: Int(size)) }
            guard stored.withUnsafeMutableBytes({ H5Dread_chunk(did, hid_t(H5P_DEFAULT), &offset, &mask, $0.baseAddress) }) >= 0 else { return false }
            if mask & 1 != 0 {
                // Stored without the filter (HDF5 does this for a chunk the filter could not shrink).
                guard Int(size) == chunkBytes else { return false }
                stored.withUnsafeBytes { decoded.copyMemory(from: $0.baseAddress!, byteCount: chunkBytes) }
            } else {
                let result = stored.withUnsafeBytes { libdeflate_zlib_decompress(decompressor, $0.baseAddress, Int(size), decoded, chunkBytes, nil) }
                guard result == LIBDEFLATE_SUCCESS else { return false }
            }
            let kept = min(rows, count - first)
            (output.baseAddress! + 4 * first).copyMemory(from: decoded, byteCount: 4 * kept)
        }
        Self.chunksDecompressed += (count + rows - 1) / rows
        return true
    }

    /// One decompressor for every read (reads run one at a time, under the HDF5 lock).
    nonisolated(unsafe) private static let decompressor = libdeflate_alloc_decompressor()
    /// Chunks read by `readDeflatedFloats` in this process (touched under the HDF5 lock; for tests).
    nonisolated(unsafe) private static var chunksDecompressed = 0
    static var libdeflateChunks: Int { HDF5.locked { chunksDecompressed } }

    /// Writes a Float32 dataset of `shape` (row-major), gzip-compressed when large.
    public func write(_ dataset: String, shape: [Int], floats: [Float]) throws {
        try write(dataset, shape: shape, count: floats.count, fileType: ppg_H5T_IEEE_F32LE(),
                  memType: ppg_H5T_NATIVE_FLOAT(), bytes: floats.withUnsafeBytes { Data($0) })
    }

    /// Writes a Float64 dataset of `shape` (row-major).
    public func write(_ dataset: String, shape: [Int], doubles: [Double]) throws {
        try write(dataset, shape: shape, count: doubles.count, fileType: ppg_H5T_IEEE_F64LE(),
                  memType: ppg_H5T_NATIVE_DOUBLE(), bytes: doubles.withUnsafeBytes { Data($0) })
    }

    private func write(_ dataset: String, shape: [Int], count: Int, fileType: hid_t, memType: hid_t, bytes: Data) throws {
        guard shape.reduce(1, *) == count else {
            throw error(dataset, "shape \(shape) does not hold \(count) values")
        }
        if let slash = dataset.lastIndex(of: "/") { try createGroup(String(dataset[..<slash])) }
        try locked {
            var dims = shape.map { hsize_t($0) }
            let space = H5Screate_simple(Int32(dims.count), &dims, nil)
            guard space >= 0 else { throw error(dataset, "cannot create dataspace") }
            defer { H5Sclose(space) }
            let dcpl = H5Pcreate(ppg_H5P_DATASET_CREATE())
            defer { H5Pclose(dcpl) }
            H5Pset_obj_track_times(dcpl, false)   // no modification times: the same contents give the same bytes
            if count >= 4096, !shape.isEmpty, !shape.contains(0) {
                // Chunk along the first axis: about 64 KiB of rows per chunk.
                let rowSize = max(1, shape.dropFirst().reduce(1, *))
                var chunk = dims
                chunk[0] = hsize_t(max(1, min(shape[0], 16384 / rowSize)))
                H5Pset_chunk(dcpl, Int32(chunk.count), &chunk)
                H5Pset_deflate(dcpl, 4)
            }
            let did = H5Dcreate2(id, dataset, fileType, space, hid_t(H5P_DEFAULT), dcpl, hid_t(H5P_DEFAULT))
            guard did >= 0 else { throw error(dataset, "cannot create dataset (exists already?)") }
            defer { H5Dclose(did) }
            let status = bytes.withUnsafeBytes {
                H5Dwrite(did, memType, hid_t(H5S_ALL), hid_t(H5S_ALL), hid_t(H5P_DEFAULT), $0.baseAddress)
            }
            guard status >= 0 else { throw error(dataset, "cannot write data") }
        }
    }

    /// The number of values of `dataset` (`shape`), once it is known that they fit in memory
    /// (`ResourceLimits`) and, when stored without compression, in the file: a damaged header
    /// claiming a 16 GB dataset in a 3 kB file is refused before anything is allocated.
    private func checkedCount(_ did: hid_t, _ shape: [Int], _ dataset: String, elementBytes: Int) throws -> Int {
        var count = 1
        for n in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: n)
            guard !overflow else { throw error(dataset, "shape \(shape) holds more values than can be counted (damaged header?)") }
            count = product
        }
        try ResourceLimits.checkArray(count: count, elementBytes: elementBytes, "dataset \(dataset) \(shape)", file: path)
        let fileType = H5Dget_type(did)
        defer { H5Tclose(fileType) }
        let dcpl = H5Dget_create_plist(did)
        defer { H5Pclose(dcpl) }
        var fileBytes: hsize_t = 0
        if H5Pget_nfilters(dcpl) == 0, H5Fget_filesize(id, &fileBytes) >= 0 {
            let (stored, overflow) = count.multipliedReportingOverflow(by: H5Tget_size(fileType))
            if overflow || UInt64(stored) > fileBytes {
                throw error(dataset, "shape \(shape) claims \(overflow ? "more than 9 EB" : ResourceLimits.byteText(stored)) of uncompressed data, but the file holds \(ResourceLimits.byteText(Int(fileBytes))) (damaged header?)")
            }
        }
        return count
    }

    private func withDataset<T>(_ dataset: String, _ body: (hid_t) throws -> T) throws -> T {
        guard exists(dataset) else { throw error(dataset, "missing dataset") }
        return try locked {
            let did = H5Dopen2(id, dataset, hid_t(H5P_DEFAULT))
            guard did >= 0 else { throw error(dataset, "not a dataset") }
            defer { H5Dclose(did) }
            return try body(did)
        }
    }

    private func dataspaceShape(_ space: hid_t, _ object: String) throws -> [Int] {
        guard space >= 0 else { throw error(object, "cannot read dataspace") }
        defer { H5Sclose(space) }
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0 else { throw error(object, "cannot read dataspace") }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        H5Sget_simple_extent_dims(space, &dims, nil)
        guard dims.allSatisfy({ $0 <= hsize_t(Int.max) }) else { throw error(object, "dataspace \(dims) is too large (damaged header?)") }
        return dims.map { Int($0) }
    }

    // MARK: - Attributes

    /// True when `object` (a group or dataset; "/" for the root) has attribute `name`.
    public func hasAttribute(_ object: String, _ name: String) -> Bool {
        guard object == "/" || exists(object) else { return false }
        return locked { H5Aexists_by_name(id, object, name, hid_t(H5P_DEFAULT)) > 0 }
    }

    /// Names of the attributes of `object`.
    public func attributeNames(_ object: String) throws -> [String] {
        try withObject(object) { oid in
            var info = H5O_info_t()
            guard H5Oget_info2(oid, &info, UInt32(H5O_INFO_NUM_ATTRS)) >= 0 else { throw error(object, "cannot read attributes") }
            var names: [String] = []
            for i in 0..<info.num_attrs {
                let n = H5Aget_name_by_idx(oid, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, hid_t(H5P_DEFAULT))
                guard n >= 0 else { continue }
                var buf = [CChar](repeating: 0, count: Int(n) + 1)
                H5Aget_name_by_idx(oid, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buf, Int(n) + 1, hid_t(H5P_DEFAULT))
                names.append(String(decoding: buf.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            return names
        }
    }

    /// A string attribute (scalar or the first of a 1-D array; vlen or fixed-length, any cset).
    public func stringAttribute(_ object: String, _ name: String) throws -> String {
        let strings = try stringsAttribute(object, name)
        guard let first = strings.first else { throw error(object, "attribute '\(name)' is empty") }
        return first
    }

    /// A string attribute as an array (scalar → one element).
    public func stringsAttribute(_ object: String, _ name: String) throws -> [String] {
        try withAttribute(object, name) { aid in
            let fileType = H5Aget_type(aid)
            defer { H5Tclose(fileType) }
            let space = H5Aget_space(aid)
            defer { H5Sclose(space) }
            // An empty list (h5py writes it as a zero-length float array) reads as no strings.
            if H5Sget_simple_extent_type(space) == H5S_SIMPLE, H5Sget_simple_extent_npoints(space) == 0 { return [] }
            guard H5Tget_class(fileType) == H5T_STRING else { throw error(object, "attribute '\(name)' is not a string") }
            let count = try attributeCount(space, object, name)
            let memType = H5Tcopy(ppg_H5T_C_S1())
            defer { H5Tclose(memType) }
            H5Tset_cset(memType, H5Tget_cset(fileType))
            if H5Tis_variable_str(fileType) > 0 {
                H5Tset_size(memType, ppg_H5T_VARIABLE())
                var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
                guard H5Aread(aid, memType, &pointers) >= 0 else { throw error(object, "cannot read attribute '\(name)'") }
                defer { H5Dvlen_reclaim(memType, space, hid_t(H5P_DEFAULT), &pointers) }
                return pointers.map { $0.map { String(cString: $0) } ?? "" }
            } else {
                let size = H5Tget_size(fileType)
                guard size > 0 else { throw error(object, "attribute '\(name)' has strings of size 0") }
                try ResourceLimits.checkArray(count: count, elementBytes: size, "attribute '\(name)'", file: path)
                H5Tset_size(memType, size)
                H5Tset_strpad(memType, H5Tget_strpad(fileType))
                var bytes = [UInt8](repeating: 0, count: size * count)
                guard H5Aread(aid, memType, &bytes) >= 0 else { throw error(object, "cannot read attribute '\(name)'") }
                return (0..<count).map { i in
                    let slice = bytes[(i * size)..<((i + 1) * size)]
                    let trimmed = slice.prefix { $0 != 0 }
                    return String(decoding: trimmed, as: UTF8.self).trimmingCharacters(in: .whitespaces)
                }
            }
        }
    }

    /// A numeric attribute as Float64 values (scalar → one element).
    public func doublesAttribute(_ object: String, _ name: String) throws -> [Double] {
        try withAttribute(object, name) { aid in
            let fileType = H5Aget_type(aid)
            defer { H5Tclose(fileType) }
            let cls = H5Tget_class(fileType)
            guard cls == H5T_FLOAT || cls == H5T_INTEGER else { throw error(object, "attribute '\(name)' is not numeric") }
            let space = H5Aget_space(aid)
            defer { H5Sclose(space) }
            var values = [Double](repeating: 0, count: try attributeCount(space, object, name))
            guard H5Aread(aid, ppg_H5T_NATIVE_DOUBLE(), &values) >= 0 else { throw error(object, "cannot read attribute '\(name)'") }
            return values
        }
    }

    public func doubleAttribute(_ object: String, _ name: String) throws -> Double {
        try doublesAttribute(object, name)[0]
    }

    /// Writes a UTF-8 string attribute: scalar for one string, 1-D for several (`asArray`).
    public func setAttribute(_ object: String, _ name: String, strings: [String], asArray: Bool = true) throws {
        try withObject(object) { oid in
            let type = H5Tcopy(ppg_H5T_C_S1())
            defer { H5Tclose(type) }
            H5Tset_size(type, ppg_H5T_VARIABLE())
            H5Tset_cset(type, H5T_CSET_UTF8)
            var dims = [hsize_t(strings.count)]
            let space = asArray ? H5Screate_simple(1, &dims, nil) : H5Screate(H5S_SCALAR)
            defer { H5Sclose(space) }
            if H5Aexists(oid, name) > 0 { H5Adelete(oid, name) }
            let aid = H5Acreate2(oid, name, type, space, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
            guard aid >= 0 else { throw error(object, "cannot create attribute '\(name)'") }
            defer { H5Aclose(aid) }
            let cStrings = strings.map { strdup($0) }
            defer { cStrings.forEach { free($0) } }
            var pointers: [UnsafePointer<CChar>?] = cStrings.map { UnsafePointer($0) }
            guard H5Awrite(aid, type, &pointers) >= 0 else { throw error(object, "cannot write attribute '\(name)'") }
        }
    }

    public func setAttribute(_ object: String, _ name: String, string: String) throws {
        try setAttribute(object, name, strings: [string], asArray: false)
    }

    /// Writes a Float64 attribute: scalar for one value unless `asArray`.
    public func setAttribute(_ object: String, _ name: String, doubles: [Double], asArray: Bool = false) throws {
        try withObject(object) { oid in
            var dims = [hsize_t(doubles.count)]
            let space = (asArray || doubles.count != 1) ? H5Screate_simple(1, &dims, nil) : H5Screate(H5S_SCALAR)
            defer { H5Sclose(space) }
            if H5Aexists(oid, name) > 0 { H5Adelete(oid, name) }
            let aid = H5Acreate2(oid, name, ppg_H5T_IEEE_F64LE(), space, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
            guard aid >= 0 else { throw error(object, "cannot create attribute '\(name)'") }
            defer { H5Aclose(aid) }
            guard H5Awrite(aid, ppg_H5T_NATIVE_DOUBLE(), doubles) >= 0 else { throw error(object, "cannot write attribute '\(name)'") }
        }
    }

    public func setAttribute(_ object: String, _ name: String, double: Double) throws {
        try setAttribute(object, name, doubles: [double])
    }

    /// The number of values of an attribute (1 for a scalar). Every value takes at least one byte
    /// of the file, so a count beyond the file's size is a damaged header, refused before allocating.
    private func attributeCount(_ space: hid_t, _ object: String, _ name: String) throws -> Int {
        let points = H5Sget_simple_extent_npoints(space)
        var fileBytes: hsize_t = 0
        H5Fget_filesize(id, &fileBytes)
        guard points >= 0, UInt64(points) <= max(fileBytes, 1) else {
            throw error(object, "attribute '\(name)' claims \(points) values in a file of \(fileBytes) bytes (damaged header?)")
        }
        try ResourceLimits.checkArray(count: Int(points), elementBytes: 8, "attribute '\(name)'", file: path)
        return max(1, Int(points))
    }

    private func withObject<T>(_ object: String, _ body: (hid_t) throws -> T) throws -> T {
        guard object == "/" || exists(object) else { throw error(object, "no such object") }
        return try locked {
            let oid = H5Oopen(id, object, hid_t(H5P_DEFAULT))
            guard oid >= 0 else { throw error(object, "cannot open object") }
            defer { H5Oclose(oid) }
            return try body(oid)
        }
    }

    private func withAttribute<T>(_ object: String, _ name: String, _ body: (hid_t) throws -> T) throws -> T {
        guard hasAttribute(object, name) else { throw error(object, "missing attribute '\(name)'") }
        return try locked {
            let aid = H5Aopen_by_name(id, object, name, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
            guard aid >= 0 else { throw error(object, "cannot open attribute '\(name)'") }
            defer { H5Aclose(aid) }
            return try body(aid)
        }
    }
}

extension HDF5File {
    /// The HDF5 library's version ("1.10.8").
    public static var libraryVersion: String {
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        H5get_libversion(&major, &minor, &release)
        return "\(major).\(minor).\(release)"
    }
}
