import CSHA256
import Foundation

/// SHA-256 (FIPS 180-4), streaming.
///
/// vadprep hashes every shard it writes and checks the hash whenever a shard is
/// read or verified; this is the one implementation used for both. Feed bytes
/// with `update` in pieces of any size, then read `finalize()` once.
///
/// On x86 processors with the SHA extensions the compression function runs
/// in C (`CSHA256`, about ten times faster); elsewhere in portable Swift.
/// `VADPREP_SHA256=portable` in the environment forces portable Swift
/// everywhere, so that machines with the extensions can test that path too.
public struct SHA256: Sendable {
    /// Which compression function runs.
    public enum Implementation: Sendable, CaseIterable {
        /// Portable Swift.
        case portable
        /// The x86 SHA extensions (only where `isAvailable`).
        case shaExtensions

        /// Whether this processor can run it.
        public var isAvailable: Bool { self == .portable || SHA256.hasSHAExtensions }
    }

    static let hasSHAExtensions = csha256_has_sha_extensions() == 1

    /// The fastest implementation this processor runs.
    public static var fastest: Implementation { hasSHAExtensions ? .shaExtensions : .portable }

    /// The environment variable that chooses the implementation `init()` uses.
    public static let environmentVariable = "VADPREP_SHA256"

    /// What `init()` uses: `fastest`, unless `VADPREP_SHA256` says `portable`
    /// (read once, when first needed).
    public static let `default`: Implementation =
        implementation(environment: ProcessInfo.processInfo.environment[environmentVariable])

    /// The implementation the value `setting` of `VADPREP_SHA256` asks for:
    /// `portable` for portable Swift; unset or empty for the fastest. Both give
    /// the same digests, so another value only earns a warning (on stderr)
    /// and the fastest.
    static func implementation(environment setting: String?) -> Implementation {
        switch setting {
        case nil, "": return fastest
        case "portable": return .portable
        case let other?:
            FileHandle.standardError.write(Data("warning: \(environmentVariable)=\(other) is not \"portable\"; using the fastest SHA-256\n".utf8))
            return fastest
        }
    }

    private let implementation: Implementation
    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19)
    private var block = [UInt8](repeating: 0, count: 64)
    private var blockFill = 0
    private var totalBytes: UInt64 = 0

    /// A hash using `SHA256.default`: the fastest implementation available,
    /// or portable Swift when `VADPREP_SHA256=portable`.
    public init() { implementation = SHA256.default }

    /// A hash using `implementation`, which must be available.
    public init(implementation: Implementation) {
        precondition(implementation.isAvailable, "SHA-256 implementation \(implementation) is not available here")
        self.implementation = implementation
    }

    /// Adds `bytes` to the message.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var pointer = bytes.baseAddress else { return }
        var remaining = bytes.count
        totalBytes &+= UInt64(remaining)
        if blockFill > 0 {
            let take = min(64 - blockFill, remaining)
            for i in 0..<take { block[blockFill + i] = pointer.load(fromByteOffset: i, as: UInt8.self) }
            blockFill += take; pointer += take; remaining -= take
            if blockFill < 64 { return }
            block.withUnsafeBytes { compress($0.baseAddress!, blocks: 1) }
            blockFill = 0
        }
        if remaining >= 64 {
            let blocks = remaining / 64
            compress(pointer, blocks: blocks)
            pointer += 64 * blocks; remaining -= 64 * blocks
        }
        for i in 0..<remaining { block[i] = pointer.load(fromByteOffset: i, as: UInt8.self) }
        blockFill = remaining
    }

    /// Adds `bytes` to the message.
    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let array = Array(bytes)
        array.withUnsafeBytes { update($0) }
    }

    /// The 32-byte digest of everything added so far.
    public func finalize() -> [UInt8] {
        var copy = self
        let bitLength = totalBytes &* 8
        var tail: [UInt8] = [0x80]
        let padding = (copy.blockFill + 1 + 8 <= 64 ? 64 : 128) - copy.blockFill - 1 - 8
        tail += [UInt8](repeating: 0, count: padding)
        for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        let savedTotal = copy.totalBytes
        tail.withUnsafeBytes { copy.update($0) }
        copy.totalBytes = savedTotal
        let words = [copy.state.0, copy.state.1, copy.state.2, copy.state.3,
                     copy.state.4, copy.state.5, copy.state.6, copy.state.7]
        return words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> UInt32(24 - 8 * $0)) } }
    }

    /// The digest as 64 lowercase hexadecimal digits.
    public func hexDigest() -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in finalize() { out.append(digits[Int(byte >> 4)]); out.append(digits[Int(byte & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The round constants K (FIPS 180-4, 4.2.2), kept once, in CSHA256
    /// (read-only C data, so sharing the pointer between threads is safe).
    nonisolated(unsafe) private static let k = UnsafeBufferPointer(start: csha256_round_constants(), count: 64)

    /// `blocks` consecutive 64-byte blocks through the compression function.
    private mutating func compress(_ bytes: UnsafeRawPointer, blocks: Int) {
        switch implementation {
        case .shaExtensions:
            withUnsafeMutableBytes(of: &state) { words in
                csha256_compress_sha_extensions(words.baseAddress!.assumingMemoryBound(to: UInt32.self),
                                                bytes.assumingMemoryBound(to: UInt8.self), blocks)
            }
        case .portable:
            for block in 0..<blocks { compressPortable(bytes + 64 * block) }
        }
    }

    /// One 64-byte block through the compression function (FIPS 180-4, 6.2.2).
    private mutating func compressPortable(_ bytes: UnsafeRawPointer) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
            for t in 0..<16 {
                w[t] = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 4 * t, as: UInt32.self))
            }
            for t in 16..<64 {
                let s0 = w[t - 15].rotr(7) ^ w[t - 15].rotr(18) ^ (w[t - 15] >> 3)
                let s1 = w[t - 2].rotr(17) ^ w[t - 2].rotr(19) ^ (w[t - 2] >> 10)
                w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, h) = state
            do {
                let k = SHA256.k
                for t in 0..<64 {
                    let s1 = e.rotr(6) ^ e.rotr(11) ^ e.rotr(25)
                    let choose = (e & f) ^ (~e & g)
                    let t1 = h &+ s1 &+ choose &+ k[t] &+ w[t]
                    let s0 = a.rotr(2) ^ a.rotr(13) ^ a.rotr(22)
                    let majority = (a & b) ^ (a & c) ^ (b & c)
                    let t2 = s0 &+ majority
                    h = g; g = f; f = e; e = d &+ t1
                    d = c; c = b; b = a; a = t1 &+ t2
                }
            }
            state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d,
                     state.4 &+ e, state.5 &+ f, state.6 &+ g, state.7 &+ h)
        }
    }
}

extension UInt32 {
    @inline(__always) fileprivate func rotr(_ n: UInt32) -> UInt32 { (self >> n) | (self << (32 - n)) }
}
