import FleetIngest
import FleetProtocol
import FleetTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Samples for tests: a sanitation robot driving east at 1 m/s, one sample per 100 ms.
enum Samples {
    static let start: UInt64 = 1_800_000_000_000_000_000

    static func time(_ index: Int) -> UInt64 { start + UInt64(index) * 100_000_000 }

    static func state(_ index: Int) -> FleetProtocol.Message {
        .sanitationState(DrivingRobot.state(step: index))
    }

    static func collision() -> FleetProtocol.Message {
        .collision(Collision(x: 1, y: 2, speed: 0.5, impulse: 3, other: .static))
    }

    /// The frame a client sends for `state(index)` under these numbers.
    static func frame(robot: UInt32, boot: UInt32, seq: UInt32, index: Int) -> [UInt8] {
        FrameEncoder.encode(
            state(index),
            robotID: robot,
            bootEpoch: boot,
            sequence: seq,
            timestampNanoseconds: time(index),
            flags: FrameHeader.simulatedTimeFlag
        )
    }
}

/// A folder in the temporary directory, removed by `remove()`.
struct TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("robot-client-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    var databasePath: String { url.appendingPathComponent("fleet.db").path }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// A value one thread publishes and others read, for tests that drive a client on its own
/// thread while the test task restarts the ingester.
final class Shared<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    init(_ value: Value) {
        self.value = Mutex(value)
    }

    func get() -> Value { value.withLock { $0 } }

    func set(_ newValue: Value) { value.withLock { $0 = newValue } }

    func update(_ body: (inout Value) -> Void) { value.withLock { body(&$0) } }

    /// Waits (on a plain thread, by sleeping) until `condition` holds or `timeout` passed.
    func wait(timeout: Duration, until condition: (Value) -> Bool) -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if condition(get()) { return true }
            usleep(1000)
        }
        return condition(get())
    }

    /// Waits (in a task) until `condition` holds or `timeout` passed.
    func waitAsync(timeout: Duration, until condition: (Value) -> Bool) async throws -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if condition(get()) { return true }
            try await Task.sleep(for: .milliseconds(2))
        }
        return condition(get())
    }
}
