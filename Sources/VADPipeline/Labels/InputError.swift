/// Bad input: a file that cannot be used, with the file, the line (for text
/// files) and what is wrong, printed as `path:line: message`.
public struct InputError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file, as the user named it (corpus directory + relative path).
    public var path: String
    /// 1-based line number in a text file, when the problem is on one line.
    public var line: Int?
    public var message: String

    public init(_ path: String, line: Int? = nil, _ message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        line.map { "\(path):\($0): \(message)" } ?? "\(path): \(message)"
    }
}
