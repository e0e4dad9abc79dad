/// A fully decoded frame: who sent it, when, and what it says.
public struct Frame: Sendable, Equatable {
    public var header: FrameHeader
    public var message: Message

    public init(header: FrameHeader, message: Message) {
        self.header = header
        self.message = message
    }
}
