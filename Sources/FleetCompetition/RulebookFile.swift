public import FleetScoring
import Foundation

/// Finds and loads a rulebook file; a bad one is refused naming the field.
public enum RulebookFile {
    public static let defaultName = "Rulebooks/rulebook-v1.json"

    /// The repository's rulebook: in the working folder, or next to the sources this binary
    /// was built from (this file is Sources/FleetCompetition/RulebookFile.swift).
    public static func defaultPath() -> String {
        if let env = ProcessInfo.processInfo.environment["FLEET_RULEBOOK"] { return env }
        if FileManager.default.fileExists(atPath: defaultName) { return defaultName }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return repo.appendingPathComponent(defaultName).path
    }

    /// The rulebook at `path` (nil: the default one), its bytes as a run stores them, and the path read.
    public static func load(_ path: String?) throws -> (rulebook: Rulebook, bytes: [UInt8], path: String) {
        let path = path ?? defaultPath()
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CompetitionError(.notFound, "cannot read rulebook \(path) (give --rulebook FILE)")
        }
        do {
            return (try Rulebook.load(data), [UInt8](data), path)
        } catch {
            throw CompetitionError(.badRulebook, "rulebook \(path) refused: \(error)", cause: error)
        }
    }
}
