/// Any JSON value. The index stores the options a dataset was made with as
/// one of these, so this module need not know every stage's option types.
///
/// Numbers are kept exactly (see `JSONNumber`): a 64-bit seed read from an
/// index compares and writes back as the same 64-bit seed.
public enum JSONValue: Codable, Equatable, Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(JSONNumber.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The member `key` of an object, or nil.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }
}

/// A JSON number, exactly: an integer that fits 64 bits (signed or unsigned)
/// is held as that integer, anything else as a finite `Double`.
///
/// Two numbers are equal when they are the same number, whichever way they are
/// held (`2` equals `2.0`); integers are never compared through a `Double`, so
/// 18446744073709551615 and 18446744073709551614 differ. A non-finite `Double`
/// has no JSON form, so it cannot be made into a `JSONNumber` at all.
public struct JSONNumber: Codable, Equatable, Sendable, CustomStringConvertible,
                          ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    private enum Storage: Equatable, Sendable {
        case signed(Int64)
        /// Only above `Int64.max`: every value has one storage of `signed` and `unsigned`.
        case unsigned(UInt64)
        /// Always finite.
        case double(Double)
    }

    private let storage: Storage

    public init(_ value: Int64) { storage = .signed(value) }
    public init(_ value: Int) { storage = .signed(Int64(value)) }
    public init(_ value: UInt64) {
        storage = value <= UInt64(Int64.max) ? .signed(Int64(value)) : .unsigned(value)
    }
    /// nil for NaN and the infinities, which JSON cannot write.
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        storage = .double(value)
    }
    public init(integerLiteral value: Int64) { self.init(value) }
    public init(floatLiteral value: Double) {
        precondition(value.isFinite, "a JSON number literal must be finite")
        storage = .double(value)
    }

    /// The number as a `Double` (rounded for integers above 2^53).
    public var doubleValue: Double {
        switch storage {
        case .signed(let value): return Double(value)
        case .unsigned(let value): return Double(value)
        case .double(let value): return value
        }
    }

    /// The number as an `Int64`, or nil when it is not an integer in range.
    public var int64Value: Int64? {
        switch storage {
        case .signed(let value): return value
        case .unsigned: return nil
        case .double(let value): return Int64(exactly: value)
        }
    }

    /// The number as a `UInt64`, or nil when it is not a non-negative integer in range.
    public var uint64Value: UInt64? {
        switch storage {
        case .signed(let value): return UInt64(exactly: value)
        case .unsigned(let value): return value
        case .double(let value): return UInt64(exactly: value)
        }
    }

    /// The number as an `Int`, or nil when it is not an integer in range.
    public var intValue: Int? { int64Value.flatMap { Int(exactly: $0) } }

    /// Integers in decimal digits; other numbers as Swift prints a `Double`.
    public var description: String {
        switch storage {
        case .signed(let value): return String(value)
        case .unsigned(let value): return String(value)
        case .double(let value): return Int64(exactly: value).map { String($0) } ?? String(value)
        }
    }

    public static func == (a: JSONNumber, b: JSONNumber) -> Bool {
        switch (a.storage, b.storage) {
        case (.signed(let x), .signed(let y)): return x == y
        case (.unsigned(let x), .unsigned(let y)): return x == y
        case (.double(let x), .double(let y)): return x == y
        case (.signed, .unsigned), (.unsigned, .signed): return false
        case (.double(let x), .signed(let y)), (.signed(let y), .double(let x)): return Int64(exactly: x) == y
        case (.double(let x), .unsigned(let y)), (.unsigned(let y), .double(let x)): return UInt64(exactly: x) == y
        }
    }

    /// Integers are read as integers (first signed, then unsigned, so a value
    /// has one storage), other numbers as `Double`.
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int64.self) {
            self.init(value)
        } else if let value = try? container.decode(UInt64.self) {
            self.init(value)
        } else {
            let value = try container.decode(Double.self)
            guard value.isFinite else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(value) is not a JSON number")
            }
            self.init(floatLiteral: value)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch storage {
        case .signed(let value): try container.encode(value)
        case .unsigned(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        }
    }
}

import Foundation

extension JSONValue {
    /// `value` as JSON, with its keys in snake_case: how option values are
    /// recorded in indexes and shard metadata. Throws when `value` does not
    /// encode as JSON (a NaN or infinite `Double` in it, for one).
    public init<T: Encodable>(encoding value: T) throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        self = try JSONDecoder().decode(JSONValue.self, from: encoder.encode(value))
    }

    /// Compact JSON text with sorted keys: the same value always gives the same text.
    public func compactJSON() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        } catch {
            // Nulls, booleans, strings and finite numbers (all a JSONNumber
            // can hold) always encode: reaching here is a bug in this file.
            fatalError("JSONValue did not encode: \(error)")
        }
    }
}
