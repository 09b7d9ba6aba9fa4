import VADShards

/// Kaldi's binary table formats, as `copy-feats ark:- ark:-` and
/// `copy-int-vector` write them, built byte by byte.
///
/// An archive (`.ark`) is a sequence of entries `KEY ' ' OBJECT`, each object in
/// binary mode starting with the two bytes `"\0B"`. A basic value (an int32
/// size, a label) is written by Kaldi's `WriteBasicType`: one byte holding its
/// size (4 for int32) and then its little-endian bytes.
///
/// - float matrix (`Matrix<float>::Write`): `"\0B"`, the token `"FM "`, rows and
///   columns as basic int32, then `rows x columns` float32 in row-major order.
///   An empty matrix is 0 x 0, as Kaldi requires.
/// - int32 vector (`BasicVectorHolder<int32>::Write`, the format of alignments):
///   `"\0B"`, the count as basic int32, then every element as basic int32
///   (the size byte repeats before each element). This is not the packed
///   layout of `WriteIntegerVector`, which Kaldi uses inside other objects.
///
/// The script file (`.scp`) beside an archive has one line per entry,
/// `KEY ARK_PATH:OFFSET`, where OFFSET is the byte position of the entry's
/// `"\0B"`, so a reader seeks there directly. This file only encodes; what goes
/// into an export is `KaldiExporter`'s business.
public enum KaldiBinary {
    /// The marker that opens every binary object.
    static let binaryMarker: [UInt8] = [0x00, UInt8(ascii: "B")]

    /// Whether `key` is a Kaldi token: non-empty, no ASCII white space or control
    /// characters (Kaldi's `IsToken`; bytes above 127 are allowed).
    public static func isToken(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.allSatisfy { $0 > 0x20 && $0 != 0x7F }
    }

    /// Appends `value` as Kaldi's basic int32: the byte 4, then 4 little-endian bytes.
    static func appendBasicInt32(_ value: Int32, to bytes: inout [UInt8]) {
        bytes.append(4)
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// The header of a binary float matrix of `rows x columns` (everything
    /// before the float data): `"\0B" "FM " 4 rows 4 columns`.
    static func matrixHeader(rows: Int32, columns: Int32) -> [UInt8] {
        var bytes = binaryMarker + Array("FM ".utf8)
        appendBasicInt32(rows, to: &bytes)
        appendBasicInt32(columns, to: &bytes)
        return bytes
    }

    /// A whole binary int32 vector: `"\0B" 4 count (4 value)...`.
    static func intVector<S: Collection>(_ values: S) -> [UInt8] where S.Element: BinaryInteger {
        var bytes = binaryMarker
        bytes.reserveCapacity(2 + 5 * (values.count + 1))
        appendBasicInt32(Int32(truncatingIfNeeded: values.count), to: &bytes)
        for value in values { appendBasicInt32(Int32(truncatingIfNeeded: value), to: &bytes) }
        return bytes
    }
}

/// An error while writing Kaldi files, naming the path (and the entry) it is about.
public struct KaldiArchiveError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Writes one Kaldi archive and its script file, atomically: both go to
/// temporary names and `commit()` renames them into place (archive first, so a
/// script file never points into a missing archive).
///
/// `arkPathInScript` is how the script file names the archive (the path a
/// Kaldi tool run from the user's directory opens), which may differ from the
/// path written to.
public final class KaldiArchiveWriter {
    public let arkPath: String
    public let scpPath: String
    private let arkPathInScript: String
    private let ark: AtomicFile
    private let scp: AtomicFile
    /// Bytes written to the archive so far: the next entry's offset.
    public private(set) var bytesWritten = 0
    /// Entries written so far.
    public private(set) var entries = 0

    public init(arkPath: String, scpPath: String, arkPathInScript: String) throws {
        self.arkPath = arkPath
        self.scpPath = scpPath
        self.arkPathInScript = arkPathInScript
        ark = try AtomicFile(path: arkPath)
        scp = try AtomicFile(path: scpPath)
    }

    /// Appends the float matrix `data` (`rows x columns`, row-major) under `key`.
    public func writeMatrix(key: String, rows: Int, columns: Int, data: UnsafeBufferPointer<Float>) throws {
        let (product, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard rows >= 0, columns >= 0, !overflow, product == data.count else {
            throw KaldiArchiveError("\(arkPath): entry \(key): \(data.count) values do not make \(rows) x \(columns)")
        }
        guard let rows32 = Int32(exactly: rows), let columns32 = Int32(exactly: columns) else {
            throw KaldiArchiveError("\(arkPath): entry \(key): \(rows) x \(columns) does not fit Kaldi's int32 dimensions")
        }
        // Kaldi's Matrix insists that an empty matrix has no columns either.
        let header = KaldiBinary.matrixHeader(rows: rows32, columns: rows == 0 ? 0 : columns32)
        let offset = try beginEntry(key)
        try ark.write(header)
        #if _endian(little)
        try ark.write(UnsafeRawBufferPointer(data))
        #else
        try ark.write(data.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) })
        #endif
        try endEntry(key, offset: offset, bytes: header.count + 4 * data.count)
    }

    /// Appends `values` as a binary int32 vector under `key`.
    public func writeIntVector<S: Collection>(key: String, _ values: S) throws where S.Element: BinaryInteger {
        guard Int32(exactly: values.count) != nil, values.allSatisfy({ Int32(exactly: $0) != nil }) else {
            throw KaldiArchiveError("\(arkPath): entry \(key): a count or value does not fit Kaldi's int32")
        }
        let bytes = KaldiBinary.intVector(values)
        let offset = try beginEntry(key)
        try ark.write(bytes)
        try endEntry(key, offset: offset, bytes: bytes.count)
    }

    /// Writes `KEY ' '` and returns the offset of the object that follows.
    private func beginEntry(_ key: String) throws -> Int {
        guard KaldiBinary.isToken(key) else {
            throw KaldiArchiveError("\(arkPath): \"\(key)\" cannot be a Kaldi key (it is empty or holds white space or control characters)")
        }
        let prefix = Array(key.utf8) + [UInt8(ascii: " ")]
        try ark.write(prefix)
        bytesWritten += prefix.count
        return bytesWritten
    }

    /// Counts the object's bytes and adds the entry's script line.
    private func endEntry(_ key: String, offset: Int, bytes: Int) throws {
        bytesWritten += bytes
        entries += 1
        try scp.write(Array("\(key) \(arkPathInScript):\(offset)\n".utf8))
    }

    /// Syncs and renames the archive, then the script file, into place.
    public func commit() throws {
        try ark.commit()
        try scp.commit()
    }
}
