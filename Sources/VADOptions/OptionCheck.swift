/// Checks of the numbers a user gives on the command line, and of the same
/// options read back from a dataset or model file.
///
/// Every message has one shape, naming the option as it is typed and the
/// value as it was read: `--frame-shift nan: must be a finite number of
/// milliseconds`, `--jobs 0: must be between 1 and 1024`. A value is checked
/// for being finite and in range before anything converts it (seconds to
/// frames, milliseconds to samples), so no conversion can trap; the ranges are
/// wide enough for any real use and narrow enough that the sizes derived from
/// them (samples per frame, bytes per segment, weights per layer) fit in `Int`.
public struct OptionCheck: Sendable {
    /// The problems found so far, in the order checked.
    public private(set) var problems: [String] = []

    public init() {}

    /// `name value: must be requirement`.
    public static func message(_ name: String, _ value: Any, _ requirement: String) -> String {
        "\(name) \(value): must be \(requirement)"
    }

    /// Records a problem already worded as `message(_:_:_:)` words it.
    public mutating func add(_ problem: String) { problems.append(problem) }
    public mutating func add(contentsOf problems: [String]) { self.problems += problems }

    /// Records a problem with `name` unless `condition` holds; returns `condition`.
    @discardableResult
    public mutating func require(_ condition: Bool, _ name: String, _ value: Any, _ requirement: String) -> Bool {
        if !condition { problems.append(Self.message(name, value, requirement)) }
        return condition
    }

    /// `value` must be finite and in `range` (or, with `aboveLowerBound`, more
    /// than its lower bound); `unit` is plural ("milliseconds") or empty.
    /// Returns whether it is, so that checks of what is derived from it can be
    /// skipped when it is not.
    @discardableResult
    public mutating func number(_ name: String, _ value: Double, in range: ClosedRange<Double>,
                                aboveLowerBound: Bool = false, unit: String = "") -> Bool {
        let units = unit.isEmpty ? "" : " \(unit)"
        guard value.isFinite else { return require(false, name, value, "a finite number\(unit.isEmpty ? "" : " of \(unit)")") }
        let lower = aboveLowerBound ? value > range.lowerBound : value >= range.lowerBound
        let requirement = aboveLowerBound
            ? "more than \(Self.format(range.lowerBound)) and at most \(Self.format(range.upperBound))\(units)"
            : "between \(Self.format(range.lowerBound)) and \(Self.format(range.upperBound))\(units)"
        return require(lower && value <= range.upperBound, name, value, requirement)
    }

    /// `value` must be in `range`.
    @discardableResult
    public mutating func integer(_ name: String, _ value: Int, in range: ClosedRange<Int>, unit: String = "") -> Bool {
        require(range.contains(value), name, value,
                "between \(range.lowerBound) and \(range.upperBound)\(unit.isEmpty ? "" : " \(unit)")")
    }

    /// `value` rounded to the nearest whole number as an `Int`, or nil when it
    /// is not finite or its magnitude reaches `limit` (10^15 by default, far
    /// inside `Int`, so that small multiples of the result cannot overflow).
    public static func wholeNumber(_ value: Double, limit: Double = 1e15,
                                   rule: FloatingPointRoundingRule = .toNearestOrAwayFromZero) -> Int? {
        let rounded = value.rounded(rule)
        guard rounded.magnitude < limit else { return nil }  // false for NaN too
        return Int(exactly: rounded)
    }

    /// A whole number without a trailing ".0", other numbers as Swift prints them.
    public static func format(_ value: Double) -> String {
        if let whole = wholeNumber(value, limit: 1e15), Double(whole) == value { return String(whole) }
        return String(value)
    }
}

/// The ranges shared by several commands.
public enum OptionLimits {
    /// `--jobs` and `--threads`.
    public static let threads = 1...1024
    /// Durations given in seconds (segment lengths, windows, minimum speech and silence): up to a day.
    public static let seconds: ClosedRange<Double> = 0...86_400
    /// Frames in one segment or piece, and frames between segment starts.
    public static let segmentFrames = 1...100_000_000
}
