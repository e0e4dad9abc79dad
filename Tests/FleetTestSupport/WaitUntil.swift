/// Waits until `condition` holds, checking every 50 ms; throws if it does not within `timeout`.
public func waitUntil(timeout: Duration, _ condition: () throws -> Bool) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if (try? condition()) == true { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw WaitTimeout(description: "condition not met within \(timeout)")
}

/// What ``waitUntil(timeout:_:)`` throws.
public struct WaitTimeout: Error, CustomStringConvertible {
    public let description: String
}
