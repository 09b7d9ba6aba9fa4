import Foundation

extension FileSystem {
    /// `path` absolute, with `.`, `..` and symbolic links resolved as far as it exists.
    public static func canonical(_ path: String) -> String {
        var head = URL(fileURLWithPath: path).standardizedFileURL.path
        var tail: [String] = []
        while head != "/", !FileManager.default.fileExists(atPath: head) {
            tail.insert((head as NSString).lastPathComponent, at: 0)
            head = (head as NSString).deletingLastPathComponent
        }
        let resolved = realpath(head, nil).map { pointer in defer { free(pointer) }; return String(cString: pointer) } ?? head
        return tail.reduce(resolved) { ($0 as NSString).appendingPathComponent($1) }
    }

    /// Whether `path` is `directory` or lies below it, both taken canonically
    /// (so neither `..` nor a symbolic link hides it).
    public static func lies(_ path: String, inside directory: String) -> Bool {
        let (child, parent) = (canonical(path), canonical(directory))
        return child == parent || child.hasPrefix(parent == "/" ? "/" : parent + "/")
    }
}
