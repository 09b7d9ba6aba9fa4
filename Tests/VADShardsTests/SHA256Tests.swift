import Foundation
import Testing
@testable import VADShards
import _VADTestSupport

/// Whether this processor has the SHA extensions: the tests of that path are
/// skipped (not failed) where it has not.
private let shaExtensions = SHA256.Implementation.shaExtensions.isAvailable

@Suite struct SHA256Tests {
    static let vectors = [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ]

    static func digest(_ message: String, _ implementation: SHA256.Implementation) -> String {
        var hash = SHA256(implementation: implementation)
        hash.update(Array(message.utf8))
        return hash.hexDigest()
    }

    static func millionAs(_ implementation: SHA256.Implementation) -> String {
        var hash = SHA256(implementation: implementation)
        let block = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hash.update(block) }
        return hash.hexDigest()
    }

    /// FIPS 180-4 example vectors (and the empty message), portable Swift.
    @Test(arguments: vectors)
    func knownVectorsPortable(message: String, digest: String) {
        #expect(Self.digest(message, .portable) == digest)
    }

    /// The same with the SHA extensions.
    @Test(.enabled(if: shaExtensions, "this processor has no SHA extensions"), arguments: vectors)
    func knownVectorsSHAExtensions(message: String, digest: String) {
        #expect(Self.digest(message, .shaExtensions) == digest)
    }

    @Test func oneMillionAsPortable() {
        #expect(Self.millionAs(.portable) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test(.enabled(if: shaExtensions, "this processor has no SHA extensions"))
    func oneMillionAsSHAExtensions() {
        #expect(Self.millionAs(.shaExtensions) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// The SHA-extension and portable compressions agree on every length up to
    /// a few blocks and on a large random buffer fed in uneven pieces.
    @Test(.enabled(if: shaExtensions, "this processor has no SHA extensions"))
    func implementationsAgree() {
        var seed: UInt64 = 7
        let bytes = (0..<200_003).map { _ -> UInt8 in
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: seed >> 56)
        }
        for length in Array(0...200) + [4095, 4096, 4097, 200_003] {
            var portable = SHA256(implementation: .portable), fast = SHA256(implementation: .shaExtensions)
            var offset = 0, piece = 1
            while offset < length {
                let end = min(length, offset + piece)
                portable.update(bytes[offset..<end])
                fast.update(bytes[offset..<end])
                offset = end
                piece = piece * 3 + 1
            }
            #expect(portable.hexDigest() == fast.hexDigest(), "length \(length)")
        }
    }

    /// `VADPREP_SHA256=portable` forces portable Swift; unset or empty means
    /// the fastest; `SHA256()` uses what this process's environment says.
    @Test func environmentSwitch() {
        #expect(SHA256.implementation(environment: "portable") == .portable)
        #expect(SHA256.implementation(environment: nil) == SHA256.fastest)
        #expect(SHA256.implementation(environment: "") == SHA256.fastest)
        let setting = ProcessInfo.processInfo.environment["VADPREP_SHA256"]
        #expect(SHA256.default == (setting == "portable" ? .portable : SHA256.fastest))
    }

    /// Splitting the message anywhere gives the same digest, across every
    /// padding case (lengths around the 56- and 64-byte boundaries).
    @Test func piecewiseEqualsWhole() {
        let message = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for length in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 300] {
            var whole = SHA256()
            whole.update(message[0..<length])
            for split in stride(from: 0, through: length, by: 7) {
                var parts = SHA256()
                parts.update(message[0..<split])
                parts.update(message[split..<length])
                #expect(parts.hexDigest() == whole.hexDigest(), "length \(length) split \(split)")
            }
        }
    }

    /// Agrees with coreutils' sha256sum on a file of a few MiB.
    @Test func matchesSha256sum() throws {
        let directory = TestSupport.TemporaryDirectory()
        let path = directory.file("data.bin")
        let bytes = (0..<(3 << 20) + 17).map { UInt8(truncatingIfNeeded: ($0 &* 2654435761) >> 13) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(try FileSystem.sha256(ofFile: path) == String(output.prefix(64)))
    }
}
