import Foundation
import Testing
import VADShards

/// Numbers in `JSONValue` are exact: 64-bit integers survive decode, compare
/// and encode bit for bit; other numbers are the Doubles JSON writes.
@Suite struct JSONValueTests {
    static func decode(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    @Test(arguments: ["18446744073709551615", "18446744073709551614", "9223372036854775807", "9223372036854775808",
                      "-9223372036854775808", "9007199254740993", "0", "-1", "0.025", "1e-07", "123.5"])
    func numbersRoundTripExactly(text: String) throws {
        let value = try Self.decode("[\(text)]")
        #expect(value.compactJSON() == "[\(text)]")
    }

    @Test func integersAreComparedWithAllTheirBits() throws {
        #expect(try Self.decode("18446744073709551615") != Self.decode("18446744073709551614"))
        #expect(try Self.decode("9007199254740993") != Self.decode("9007199254740992"))
        #expect(try Self.decode("18446744073709551615") == .number(JSONNumber(UInt64.max)))
        #expect(try Self.decode("-5") == .number(-5))
        // The same number held two ways is one number.
        #expect(JSONNumber(2) == JSONNumber(2.0 as Double))
        #expect(JSONNumber(UInt64(7)) == JSONNumber(7))
        #expect(JSONNumber(UInt64.max) != JSONNumber(Double(UInt64.max)))
        #expect(JSONNumber(UInt64.max).uint64Value == UInt64.max && JSONNumber(UInt64.max).int64Value == nil)
        #expect(JSONNumber(0.5 as Double)?.intValue == nil && JSONNumber(3).intValue == 3)
    }

    struct Options: Codable {
        var seed: UInt64
        var frameShiftMs: Double
        var gain: Double
        var name: String
    }

    /// Options encode as before (JSONEncoder's own text for every field), and
    /// a NaN throws instead of trapping.
    @Test func encodingOptions() throws {
        let value = try JSONValue(encoding: Options(seed: .max, frameShiftMs: 10, gain: 0.1, name: "a/b"))
        #expect(value.compactJSON() == #"{"frame_shift_ms":10,"gain":0.1,"name":"a/b","seed":18446744073709551615}"#)
        #expect(value["seed"] == .number(JSONNumber(UInt64.max)))
        #expect(throws: EncodingError.self) { try JSONValue(encoding: Options(seed: 1, frameShiftMs: .nan, gain: 0, name: "")) }
        #expect(JSONNumber(Double.nan) == nil && JSONNumber(Double.infinity) == nil)
    }
}
