import ArgumentParser
import FleetKeys
import FleetRunner
import FleetSimulation
import Foundation
import ZeroMQ

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Make the CURVE keys that let an ingester authenticate its robots.",
        discussion: """
            With keys, the ingester admits only robots whose public key is on its
            allowlist, encrypts every connection, and takes each robot's id from its key: a
            frame claiming another id is refused and counted.

            The organizers make the ingester's key and hand its public half to the teams;
            each team makes its robots' keys and hands the organizers the allowlist (public
            keys only). Secret keys never leave their owner.

            Examples:
              fleet keys server ingester.key      # ingester.key, ingester.key.pub
              fleet keys robots --ids 101-103,201-203,0xF0000001 \\
                --allowlist robots.allow --secrets robots.secret
              # the robots and the referee of fleet sim --teams 4:
              fleet keys robots --teams 4 --robots-per-team 3 \\
                --allowlist robots.allow --secrets robots.secret
              fleet ingest --listen tcp://0.0.0.0:5556 \\
                --curve-secret ingester.key --allowlist robots.allow
              fleet sim --connect tcp://127.0.0.1:5556 --teams 4 \\
                --server-key ingester.key.pub --robot-secrets robots.secret

            """,
        subcommands: [ServerKeyCommand.self, RobotKeysCommand.self]
    )
}

struct ServerKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Make the ingester's key pair: FILE (secret, mode 0600) and FILE.pub; prints the public key.",
        discussion: """
            Examples:
              fleet keys server ingester.key
              fleet keys server /etc/fleet/ingester.key --force
            """
    )

    @Argument(help: "Where to write the secret key; the public key goes to FILE.pub.")
    var file: String

    @Flag(help: "Replace existing files.")
    var force = false

    func run() throws {
        try KeyFiles.refuseOverwrite([file, file + ".pub"], force: force)
        let pair = try CurveKeyPair.generate()
        try KeyFiles.save(
            "# fleet ingester CURVE secret key: keep it here (fleet ingest --curve-secret)\n\(pair.secretKey.z85)\n",
            to: file,
            secret: true
        )
        try KeyFiles.save(
            "# fleet ingester CURVE public key: give it to the robots (fleet sim --server-key)\n\(pair.publicKey.z85)\n",
            to: file + ".pub",
            secret: false
        )
        print(pair.publicKey.z85)
    }
}

struct RobotKeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "robots",
        abstract: "Make a key pair per robot: the allowlist (public keys) and the robots' secret keys.",
        discussion: """
            Examples:
              fleet keys robots --ids 101-103,0xF0000001 --allowlist robots.allow \\
                  --secrets robots.secret
              fleet keys robots --teams 4 --humanoids 2 --allowlist robots.allow \\
                  --secrets robots.secret
            """
    )

    @Option(help: "Sender ids, e.g. 101-112,201,0xF0000001 (ranges and 0x hex allowed).")
    var ids: String?

    @Option(help: "Instead of --ids: the teams of a fleet sim (its robots and its referee get keys).")
    var teams: Int?

    @Option(help: "With --teams: the number of the first team (fleet sim --first-team).")
    var firstTeam = 1

    @Option(help: "With --teams: robots each team enters (as fleet sim's default).")
    var robotsPerTeam = 3

    @Option(help: "With --teams: humanoids, dealt to the teams round robin.")
    var humanoids = 0

    @Option(help: "Where to write the robots' public keys (the ingester's --allowlist).")
    var allowlist: String

    @Option(help: "Where to write the robots' secret keys (mode 0600; fleet sim --robot-secrets).")
    var secrets: String

    @Flag(help: "Replace existing files.")
    var force = false

    func validate() throws {
        if (ids == nil) == (teams == nil) { throw ValidationError("give --ids LIST or --teams N, one of them") }
        if let ids { _ = try Self.parseIDs(ids) }
        if !(1...FleetRoster.maximumFirstTeam).contains(firstTeam) {
            throw ValidationError("--first-team must be 1...\(FleetRoster.maximumFirstTeam), got \(firstTeam)")
        }
    }

    func run() throws {
        let senders: [UInt32]
        if let ids {
            senders = try Self.parseIDs(ids)
        } else {
            let roster = FleetRoster(
                division: .park,
                teams: teams ?? 1,
                robotsPerTeam: robotsPerTeam,
                humanoids: humanoids,
                stateRate: 10,
                humanoidRate: 50,
                duration: 1,
                seed: 0,
                runID: 1,
                firstTeam: firstTeam
            )
            do {
                senders = try roster.runnerConfiguration().senderIDs
            } catch {
                throw ValidationError("\(error)")
            }
        }
        try KeyFiles.refuseOverwrite([allowlist, secrets], force: force)
        let (publicKeys, secretKeys) = try RobotKeyring.generatePairs(for: senders)
        try KeyFiles.save(
            publicKeys.text(header: "fleet robots' CURVE public keys: the ingester's allowlist (ID KEY per line)"),
            to: allowlist,
            secret: false
        )
        try KeyFiles.save(
            secretKeys.text(header: "fleet robots' CURVE secret keys: keep them on the robots (ID KEY per line)"),
            to: secrets,
            secret: true
        )
        print("\(senders.count) key pairs: public keys in \(allowlist), secret keys in \(secrets)")
    }

    /// `101-103,201,0xF0000001` → [101, 102, 103, 201, 4026531841], each id once.
    static func parseIDs(_ text: String) throws -> [UInt32] {
        var ids: [UInt32] = []
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-", maxSplits: 1)
            guard let low = RobotKeyring.parseID(bounds[0]),
                let high = bounds.count == 2 ? RobotKeyring.parseID(bounds[1]) : low, low <= high
            else {
                throw ValidationError("--ids: '\(part)' is not an id or a range LOW-HIGH of ids (1...4294967294)")
            }
            guard high - low < 100_000 else { throw ValidationError("--ids: '\(part)' is more than 100000 ids") }
            ids.append(contentsOf: low...high)
        }
        guard !ids.isEmpty else { throw ValidationError("--ids: no ids given") }
        guard Set(ids).count == ids.count else { throw ValidationError("--ids: an id is listed twice") }
        return ids
    }
}

/// Reading and writing the key files `fleet keys` makes.
enum KeyFiles {
    /// A file's key: its first line that is a 40-character Z85 key.
    static func readKey(_ path: String, option: String) throws -> CurveKey {
        let text = try read(path, option: option)
        // The first line that is a key; the rest are comments.
        let key = text.split(whereSeparator: \.isNewline).lazy
            .compactMap { try? CurveKey(z85: $0.trimmingCharacters(in: .whitespaces)) }.first
        guard let key else {
            throw ValidationError("\(option): \(path) holds no 40-character Z85 CURVE key")
        }
        return key
    }

    /// A key given as its Z85 text or as the path of a file holding it.
    static func key(_ argument: String, option: String) throws -> CurveKey {
        if argument.utf8.count == 40, let key = try? CurveKey(z85: argument),
            !FileManager.default.fileExists(atPath: argument)
        {
            return key
        }
        return try readKey(argument, option: option)
    }

    static func keyring(_ path: String, option: String) throws -> RobotKeyring {
        let text = try read(path, option: option)
        do {
            let keyring = try RobotKeyring(parsing: text)
            guard !keyring.isEmpty else { throw ValidationError("\(option): \(path) lists no keys") }
            return keyring
        } catch let error as RobotKeyring.FormatError {
            throw ValidationError("\(option): \(path) \(error)")
        }
    }

    static func read(_ path: String, option: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ValidationError("\(option): cannot read \(path)")
        }
    }

    static func refuseOverwrite(_ paths: [String], force: Bool) throws {
        guard !force else { return }
        if let existing = paths.first(where: { FileManager.default.fileExists(atPath: $0) }) {
            throw ValidationError("\(existing) exists; give --force to replace it")
        }
    }

    /// Writes `text`; a secret file is created with mode 0600 before anything is written to it.
    static func save(_ text: String, to path: String, secret: Bool) throws {
        let mode: mode_t = secret ? 0o600 : 0o644
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)
        guard fd >= 0 else { throw ValidationError("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        if secret { fchmod(fd, 0o600) }
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            throw ValidationError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}
