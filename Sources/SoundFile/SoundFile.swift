import CSndFile
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// libsndfile reports a failed `sf_open` through a process-wide error, which
/// the next open in any thread overwrites (a success resets it to "No
/// Error."). Opening and reading that error are one step under this lock, so
/// each failure keeps its own message. Reading an open file needs no lock.
private let openLock = Mutex(())

/// An audio file opened for reading with libsndfile.
///
/// This file is the only place in vadprep that calls libsndfile. Samples come
/// back as interleaved `Float`: for integer formats libsndfile scales them to
/// [-1, 1) (so a 16-bit sample `s` reads as `s / 32768` exactly); float formats
/// are returned as stored, overshoot and NaN included.
public final class SoundFile {
    /// The path the file was opened with, used in every error message.
    public let path: String
    /// Sample rate, channel count, length and format, from the file's header.
    public let info: AudioInfo

    private let handle: OpaquePointer

    /// Opens `path` for reading. The corresponding C function is `sf_open`
    /// (called under `openLock`).
    public init(path: String) throws(SoundFileError) {
        var sfInfo = SF_INFO()
        let opened: Result<OpaquePointer, SoundFileError> = openLock.withLock { _ in
            guard let handle = sf_open(path, Int32(SFM_READ), &sfInfo) else {
                return .failure(SoundFileError(path: path, message: String(cString: sf_strerror(nil))))
            }
            return .success(handle)
        }
        let handle = try opened.get()
        self.path = path
        self.handle = handle
        self.memory = nil
        self.info = AudioInfo(sfInfo)
    }

    /// Keeps the bytes of an in-memory file alive as long as libsndfile reads them.
    private let memory: MemoryBytes?

    /// Opens audio held in memory (e.g. what a command wrote to its standard
    /// output); `name` stands for it in error messages. The bytes are decoded
    /// exactly as the same bytes in a file would be. The corresponding C
    /// function is `sf_open_virtual` (called under `openLock`), reading from
    /// `bytes` through the callbacks below.
    public init(bytes: [UInt8], name: String) throws(SoundFileError) {
        let memory = MemoryBytes(bytes)
        var sfInfo = SF_INFO()
        var io = SF_VIRTUAL_IO(
            get_filelen: { MemoryBytes.from($0).length },
            seek: { offset, whence, user in MemoryBytes.from(user).seek(offset, whence) },
            read: { destination, count, user in MemoryBytes.from(user).read(into: destination, count) },
            write: { _, _, _ in 0 },
            tell: { MemoryBytes.from($0).position })
        // The handle crosses the lock as its address (a pointer is not Sendable).
        let user = UInt(bitPattern: Unmanaged.passUnretained(memory).toOpaque())
        let opened: Result<UInt, SoundFileError> = openLock.withLock { _ in
            guard let handle = sf_open_virtual(&io, Int32(SFM_READ), &sfInfo, UnsafeMutableRawPointer(bitPattern: user)) else {
                return .failure(SoundFileError(path: name, message: String(cString: sf_strerror(nil))))
            }
            return .success(UInt(bitPattern: handle))
        }
        guard let handle = OpaquePointer(bitPattern: try opened.get()) else {
            throw SoundFileError(path: name, message: "no handle")
        }
        self.path = name
        self.handle = handle
        self.memory = memory
        self.info = AudioInfo(sfInfo)
    }

    deinit { sf_close(handle) }

    /// When the header declares more audio data than the file holds, the
    /// declared and present byte counts of the data chunk; nil otherwise.
    ///
    /// libsndfile reads a truncated file without an error, up to where the
    /// bytes end, but states the shortfall in its log ("data : 74320 (should
    /// be 1956)"); that line is read here. A size of 0xFFFFFFFF, which
    /// streaming writers leave when they cannot seek back, is a placeholder,
    /// not a shortfall. The corresponding C call is `sf_command(SFC_GET_LOG_INFO)`.
    public var dataShortfall: (declared: Int64, present: Int64)? {
        var log = [CChar](repeating: 0, count: 16384)
        let length = sf_command(handle, Int32(SFC_GET_LOG_INFO), &log, Int32(log.count))
        guard length > 0 else { return nil }
        let text = String(decoding: log.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ")
            // "data : 74320 (should be 1956)" or "SSND : ..." (AIFF)
            guard words.count == 6, ["data", "SSND"].contains(words[0]), words[1] == ":",
                  words[3] == "(should", words[4] == "be",
                  let declared = Int64(words[2]), let present = Int64(words[5].dropLast()) else { continue }
            if declared == 0xFFFF_FFFF || declared <= present { return nil }
            return (declared, present)
        }
        return nil
    }

    /// Reads up to `frames` frames (a frame holds one sample per channel) into
    /// `buffer`, interleaved, and returns how many frames were read; 0 means the
    /// end of the file. The corresponding C function is `sf_readf_float`.
    public func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) throws(SoundFileError) -> Int {
        let got = sf_readf_float(handle, buffer, sf_count_t(frames))
        if got < frames, sf_error(handle) != SF_ERR_NO_ERROR {
            throw SoundFileError(path: path, message: String(cString: sf_strerror(handle)))
        }
        return Int(got)
    }
}

/// The bytes behind `SoundFile(bytes:name:)` and a read position in them.
private final class MemoryBytes {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    static func from(_ pointer: UnsafeMutableRawPointer?) -> MemoryBytes {
        Unmanaged<MemoryBytes>.fromOpaque(pointer!).takeUnretainedValue()
    }

    var length: sf_count_t { sf_count_t(bytes.count) }
    var position: sf_count_t { sf_count_t(offset) }

    /// Moves the position as `lseek` would; a position outside the bytes is refused (-1).
    func seek(_ delta: sf_count_t, _ whence: Int32) -> sf_count_t {
        let base: Int
        switch whence {
        case SEEK_SET: base = 0
        case SEEK_CUR: base = offset
        case SEEK_END: base = bytes.count
        default: return -1
        }
        let (target, overflow) = base.addingReportingOverflow(Int(delta))
        guard !overflow, target >= 0, target <= bytes.count else { return -1 }
        offset = target
        return sf_count_t(offset)
    }

    func read(into destination: UnsafeMutableRawPointer?, _ count: sf_count_t) -> sf_count_t {
        guard let destination, count > 0 else { return 0 }
        let take = min(Int(count), bytes.count - offset)
        guard take > 0 else { return 0 }
        bytes.withUnsafeBytes { destination.copyMemory(from: $0.baseAddress! + offset, byteCount: take) }
        offset += take
        return sf_count_t(take)
    }
}

/// What a file's header says about its audio.
public struct AudioInfo: Sendable, Equatable {
    /// Samples per second per channel.
    public var sampleRate: Int
    /// Number of channels (interleaved in what `SoundFile.read` returns).
    public var channels: Int
    /// Number of frames (samples per channel) the header announces.
    public var frames: Int64
    /// libsndfile's container name, e.g. "WAV (Microsoft)".
    public var container: String
    /// libsndfile's sample encoding name, e.g. "Signed 16 bit PCM".
    public var encoding: String

    init(_ info: SF_INFO) {
        sampleRate = Int(info.samplerate)
        channels = Int(info.channels)
        frames = Int64(info.frames)
        container = AudioInfo.formatName(info.format & Int32(SF_FORMAT_TYPEMASK), command: Int32(SFC_GET_FORMAT_MAJOR))
        encoding = AudioInfo.formatName(info.format & Int32(SF_FORMAT_SUBMASK), command: Int32(SFC_GET_FORMAT_SUBTYPE))
    }

    /// The corresponding C call is `sf_command(nil, SFC_GET_FORMAT_MAJOR|SUBTYPE, …)`;
    /// the major and subtype tables are searched for `format`.
    private static func formatName(_ format: Int32, command: Int32) -> String {
        var count: Int32 = 0
        let countCommand = command == Int32(SFC_GET_FORMAT_MAJOR) ? SFC_GET_FORMAT_MAJOR_COUNT : SFC_GET_FORMAT_SUBTYPE_COUNT
        sf_command(nil, Int32(countCommand), &count, Int32(MemoryLayout<Int32>.size))
        for index in 0..<count {
            var entry = SF_FORMAT_INFO()
            entry.format = index
            sf_command(nil, command, &entry, Int32(MemoryLayout<SF_FORMAT_INFO>.size))
            if entry.format == format, let name = entry.name { return String(cString: name) }
        }
        return "unknown"
    }
}

/// A libsndfile failure, with libsndfile's own message (`sf_strerror`).
public struct SoundFileError: Error, CustomStringConvertible, Equatable {
    /// The file the error is about.
    public var path: String
    /// libsndfile's message, e.g. "Format not recognised."
    public var message: String

    public var description: String { "\(path): \(message)" }
}
