import Testing
import ZeroMQ

struct CurveTests {
    @Test func thisLibzmqHasCurve() {
        // Debian's libzmq5 is built with libsodium; everything CURVE below needs it.
        #expect(Context.supportsCurve)
    }

    @Test func aKeyPairCanBeRebuiltFromItsSecretKey() throws {
        let keys = try CurveKeyPair.generate()
        #expect(keys.publicKey.z85.utf8.count == 40)
        #expect(try CurveKeyPair(secretKey: keys.secretKey) == keys)
        #expect(try CurveKey(binary: keys.publicKey.binary) == keys.publicKey)
        #expect(!String(describing: keys).contains(keys.secretKey.z85))
    }

    @Test(arguments: ["", "too short", String(repeating: "~", count: 40), String(repeating: "a", count: 41)])
    func rejectsTextThatIsNotAZ85Key(_ text: String) {
        #expect(throws: ZeroMQError.self) { try CurveKey(z85: text) }
    }

    @Test func aClientWithTheRightServerKeyConnects() throws {
        let context = try Context()
        let serverKeys = try CurveKeyPair.generate()
        let pull = try Socket(
            context,
            testing: .pull,
            options: [.curveServer(true), .curveSecretKey(serverKeys.secretKey)]
        )
        let events = try pull.monitor()
        try pull.bind(Endpoint.tcp)

        let push = try Socket(context, testing: .push)
        try push.makeCurveClient(keys: try CurveKeyPair.generate(), serverKey: serverKeys.publicKey)
        try push.connect(try pull.boundEndpoint())

        #expect(try events.wait(for: [.handshakeSucceeded], timeout: testTimeout) != nil)
        try push.send(bytes("encrypted"))
        #expect(try pull.receiveText() == "encrypted")
    }

    @Test func aClientWithAWrongServerKeyFailsTheHandshake() throws {
        let context = try Context()
        let serverKeys = try CurveKeyPair.generate()
        let pull = try Socket(
            context,
            testing: .pull,
            options: [.curveServer(true), .curveSecretKey(serverKeys.secretKey), .receiveTimeout(.milliseconds(300))]
        )
        let events = try pull.monitor()
        try pull.bind(Endpoint.tcp)

        let push = try Socket(context, testing: .push)
        try push.makeCurveClient(keys: try CurveKeyPair.generate(), serverKey: try CurveKeyPair.generate().publicKey)
        try push.connect(try pull.boundEndpoint())

        let failure = try events.wait(
            for: [.handshakeFailedProtocol, .handshakeFailedNoDetail, .handshakeSucceeded],
            timeout: testTimeout
        )
        #expect(failure?.kind == .handshakeFailedProtocol)
        _ = try push.trySend(bytes("never arrives"))
        #expect(try pull.receive() == nil)
    }

    @Test func aCurveServerThatEnforcesZAPRefusesEveryoneWithoutAHandler() throws {
        let folder = try IPCFolder()
        defer { folder.remove() }
        let context = try Context()
        let serverKeys = try CurveKeyPair.generate()
        let pull = try Socket(context, testing: .pull, options: [.receiveTimeout(.milliseconds(300))])
        try pull.makeCurveServer(keys: serverKeys)
        let events = try pull.monitor()
        try pull.bind(folder.endpoint("curve.ipc"))

        let push = try Socket(context, testing: .push)
        try push.makeCurveClient(keys: try CurveKeyPair.generate(), serverKey: serverKeys.publicKey)
        try push.connect(folder.endpoint("curve.ipc"))

        let outcome = try events.wait(
            for: [.handshakeFailedProtocol, .handshakeFailedNoDetail, .handshakeFailedAuth, .handshakeSucceeded],
            timeout: testTimeout
        )
        #expect(outcome != nil)
        #expect(outcome?.kind != .handshakeSucceeded)
        _ = try push.trySend(bytes("never arrives"))
        #expect(try pull.receive() == nil)
    }
}
