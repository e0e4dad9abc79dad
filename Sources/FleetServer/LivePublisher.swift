import FleetProtocol
import FleetScoring
import FleetStorage
import FleetStore
import Logging
import ServiceLifecycle

/// Reads live state and the scoreboard every `publishInterval` and publishes what changed
/// to the feed, topic by topic:
///
/// - `robots`: every robot's position, heading, speed, battery, status (`LiveRobotsJSON`)
/// - `scoreboard`: the current run's ranking and components (`Scoreboard`, last score events)
/// - `arena`: the current run's map extent and coverage grid, when the source has one
/// - `events`: the ticker, the latest penalties, contacts, falls and interventions
/// - `clock`: wall time, newest event time and the current run, every interval (so a client
///   hears something at least once a second even when nothing moves)
struct LivePublisher: Service {
    let server: APIServer

    /// Event types the ticker shows.
    static let tickerTypes: Set<MessageType> = [
        .collision, .nearMiss, .fault, .interventionStart, .fall, .getUp, .contact, .nearMissObserved,
        .geofenceExit, .intervention, .sprayViolation, .fallObserved, .litterSpilled, .runState,
    ]
    static let tickerLength = 30
    static let tickerWindow: UInt64 = 600_000_000_000

    struct ClockJSON: Encodable {
        var now: UInt64
        var eventTime: UInt64
        var run: RunSummary?
        /// Seconds of RUNNING so far (event time), when the run has started.
        var elapsed: Double?
    }

    struct TickerJSON: Encodable {
        var events: [EventJSON]
    }

    func run() async {
        let feed = server.feed
        await withGracefulShutdownHandler {
            var tick = 0
            while !feed.isClosed && !Task.isCancelled {
                await publish(tick: tick)
                tick += 1
                do {
                    try await Task.sleep(for: server.configuration.publishInterval)
                } catch {
                    break
                }
            }
        } onGracefulShutdown: {
            feed.close()
        }
        // The feed may close before this service is asked to stop (APIServer closes it as soon
        // as shutdown begins); a service that returns early fails its group, so wait.
        try? await gracefulShutdown()
    }

    func publish(tick: Int) async {
        let feed = server.feed
        let reader = RobotStateReader(database: server.database, live: server.live)
        var eventTime: UInt64 = 0
        do {
            let robots = try await server.blocking { try reader.liveRobots() }
            eventTime = robots.time
            feed.publish("robots", data: JSONBody.encode(robots))
        } catch {
            server.logger.debug("live robots failed", metadata: ["error": "\(error)"])
        }
        var current: RunSummary?
        do {
            current = try await server.scoreboard.currentRun()
            if let run = current {
                let result = try await server.scoreboard.scoreboard(runID: run.id)
                let ledgers = try await server.blocking { try reader.ledgers() }
                let board = Scoreboard.make(
                    run: run,
                    result: result,
                    ledgers: ledgers,
                    completeness: try await server.scoreboard.completeness(runID: run.id),
                    integrity: try await server.scoreboard.integrity(runID: run.id)
                )
                feed.publish("scoreboard", data: JSONBody.encode(board))
                if let arena = try await server.scoreboard.arena(runID: run.id) {
                    feed.publish("arena", data: JSONBody.encode(arena))
                }
            }
        } catch {
            server.logger.debug("live scoreboard failed", metadata: ["error": "\(error)"])
        }
        if tick % 2 == 0 {
            do {
                let end = eventTime == 0 ? RobotStateReader.wallClock() : eventTime
                let database = server.database
                let events = try await server.blocking {
                    try database.events(
                        robotID: nil,
                        from: end > Self.tickerWindow ? end - Self.tickerWindow : 0,
                        to: end,
                        types: Self.tickerTypes,
                        limit: 5000
                    )
                }
                let ticker = TickerJSON(events: events.suffix(Self.tickerLength).map(EventJSON.init))
                feed.publish("events", data: JSONBody.encode(ticker))
            } catch {
                server.logger.debug("live events failed", metadata: ["error": "\(error)"])
            }
        }
        var elapsed: Double?
        if let start = current?.runningStart, let end = current?.runningEnd,
            current?.state == .finished || current?.state == .final, end >= start
        {
            elapsed = Double(end - start) / 1e9
        } else if let start = current?.runningStart, eventTime > start {
            let end = current?.runningEnd.map { min($0, eventTime) } ?? eventTime
            elapsed = Double(end - min(start, end)) / 1e9
        }
        let clock = ClockJSON(now: RobotStateReader.wallClock(), eventTime: eventTime, run: current, elapsed: elapsed)
        feed.publish("clock", data: JSONBody.encode(clock))
    }
}
