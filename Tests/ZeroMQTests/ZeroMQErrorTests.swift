import CZeroMQ
import Testing

@testable import ZeroMQ

struct ZeroMQErrorTests {
    @Test func carriesErrnoAndStrerrorText() {
        let error = ZeroMQError(code: EAGAIN, operation: "zmq_msg_recv")
        #expect(error.isWouldBlock)
        #expect(!error.isTerminated)
        #expect(error.message == "Resource temporarily unavailable")
        #expect(error.description.hasPrefix("zmq_msg_recv: "))
    }

    @Test func namesTermination() {
        let error = ZeroMQError(code: ETERM, operation: "zmq_msg_recv")
        #expect(error.isTerminated)
        #expect(error.message == String(cString: zmq_strerror(ETERM)))
    }
}
