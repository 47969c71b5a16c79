import Foundation

/// For tests only: ../shared/data beside the clone (or CONTRIBUEZ_SHARED_DATA). Tests fail, not skip, when it is missing.
public enum SharedData {
    public static var root: URL {
        if let env = ProcessInfo.processInfo.environment["CONTRIBUEZ_SHARED_DATA"] { return URL(fileURLWithPath: env) }
        var dir = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
                return dir.deletingLastPathComponent().appendingPathComponent("shared/data")
            }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: "../shared/data")
    }

    public static func url(_ path: String) -> URL { root.appendingPathComponent(path) }
}
