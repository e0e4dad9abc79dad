import Foundation
import Testing
import ZeroMQ

struct DedicatedThreadTests {
    struct Failure: Error {}

    @Test func runReturnsWhatTheBodyReturnsFromANamedThread() async throws {
        let name = try await DedicatedThread.run(name: "fleet-receiver") {
            try String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)
        }
        #expect(name == "fleet-receiver\n")
    }

    @Test func runRethrowsWhatTheBodyThrows() async {
        await #expect(throws: Failure.self) {
            try await DedicatedThread.run(name: "failing") { () throws -> Int in throw Failure() }
        }
    }

    @Test func aSocketMovesToTheThreadThatOwnsItFromThenOn() throws {
        let context = try Context()
        let endpoint = Endpoint.inproc("moved")
        let pull = try Socket(context, testing: .pull)
        try pull.bind(endpoint)
        // Created and connected here, then handed over; the compiler rejects any later use here.
        let push = try Socket(context, testing: .push)
        try push.connect(endpoint)
        let sender = try DedicatedThread.start(name: "test-sender") { [push] in
            _ = try? push.send(bytes("from the sender thread"))
            push.close()
        }
        sender.join()
        sender.join()
        #expect(try pull.receiveText() == "from the sender thread")
    }
}
