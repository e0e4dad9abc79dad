import Foundation
import ZeroMQ

/// Endpoints no other test uses, so that tests can run in parallel.
enum Endpoint {
    /// A fresh inproc name (inproc names are per context; unique anyway for clarity).
    static func inproc(_ label: String = "test") -> String {
        "inproc://\(label)-\(UUID().uuidString)"
    }

    /// A TCP wildcard on loopback; read the chosen port back from `lastEndpoint`.
    static let tcp = "tcp://127.0.0.1:*"
}

/// A private temporary folder for ipc:// socket files, removed by `remove()`.
struct IPCFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appending(path: "zmq-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func endpoint(_ name: String) -> String {
        "ipc://" + url.appending(path: name).path
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// The longest any single wait in these tests may take, so a failure can never hang the suite.
let testTimeout: Duration = .seconds(5)

extension Socket {
    /// A socket whose blocking receives give up after `testTimeout`.
    convenience init(_ context: Context, testing type: SocketType, options: [SocketOption] = []) throws {
        try self.init(
            context,
            type: type,
            options: [.receiveTimeout(testTimeout), .sendTimeout(testTimeout)] + options
        )
    }

    /// The resolved endpoint after a bind; fails the test loudly if there is none.
    func boundEndpoint() throws -> String {
        guard let endpoint = try lastEndpoint else {
            throw ZeroMQError(code: 0, operation: "no last endpoint")
        }
        return endpoint
    }

    /// Receives one frame as text, or `nil` on timeout.
    func receiveText() throws -> String? {
        try receive().map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Repeats `attempt` until it returns true or `timeout` passes; for slow-joiner situations
/// (a SUB's subscription reaches the PUB a moment after connecting).
func eventually(timeout: Duration = testTimeout, _ attempt: () throws -> Bool) rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try attempt() { return true }
    }
    return false
}

func bytes(_ text: String) -> [UInt8] {
    Array(text.utf8)
}
