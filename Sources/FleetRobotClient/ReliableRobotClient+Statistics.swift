extension ReliableRobotClient {
    /// What a reliable client has done since it was created: enough to check that nothing was
    /// lost and to see how hard the connection made it work.
    public struct Statistics: Sendable, Equatable {
        /// Frames numbered and put in the window.
        public var framesPublished = 0
        /// Sends handed to the socket, resends included.
        public var framesSent = 0
        /// Sends of a frame that had been sent before.
        public var framesResent = 0
        /// Frames released by acks.
        public var framesAcknowledged = 0
        /// Samples refused because the window was full (never numbered; report them as
        /// `heartbeat.queue_drops`).
        public var windowFullRefusals = 0
        /// Most frames ever outstanding at once.
        public var windowHighWaterMark = 0
        /// Passes that resent the window from its oldest frame.
        public var resendRounds = 0
        /// Reconnects seen by the socket monitor.
        public var reconnects = 0
        /// Times acks made no progress for the progress timeout with frames outstanding.
        public var progressTimeouts = 0
        /// Sockets closed and made anew after `stalledTimeoutsBeforeNewSocket` progress
        /// timeouts in a row.
        public var socketReplacements = 0
        /// Valid ack frames received.
        public var acksReceived = 0
        /// Acks for a boot epoch this robot has no frames of any more.
        public var staleAcks = 0
        /// Replies that were not a valid ack frame.
        public var invalidReplies = 0

        public init() {}
    }
}
