import FleetScoring
import Foundation
import Hummingbird

/// Runs, scoreboards, score events and standings, and the admin's run control: all through
/// the `ScoreboardSource`, which runs its store calls on the blocking pool.
extension APIServer {
    func addRunRoutes(to router: Router<BasicRequestContext>) {
        router.get("/api/runs") { [self] _, _ in JSONBody.response(["runs": try await scoreboard.runs()]) }
        router.get("/api/runs/:run") { [self] _, context in
            JSONBody.response(try await scoreboard.run(id: try runID(context)))
        }
        router.get("/api/runs/:run/arena") { [self] _, context in
            let run = try await scoreboard.run(id: try runID(context))
            guard let arena = try await scoreboard.arenaFile(runID: run.id) else {
                throw APIError.notFound("this server keeps no arena files (it scores no stored runs)")
            }
            // The canonical file (Protocols/arena.md): the bytes whose SHA-256 the run names.
            return Response(
                status: .ok,
                headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: arena.fileBytes))
            )
        }
        router.get("/api/runs/:run/scoreboard") { [self] _, context in
            let run = try await scoreboard.run(id: try runID(context))
            let result = try await scoreboard.scoreboard(runID: run.id)
            return JSONBody.response(
                Scoreboard.make(
                    run: run,
                    result: result,
                    ledgers: try await blocking { [reader = self.reader] in try reader.ledgers() },
                    completeness: try await scoreboard.completeness(runID: run.id),
                    integrity: try await scoreboard.integrity(runID: run.id),
                    progress: try await scoreboard.liveProgress(runID: run.id)
                )
            )
        }
        router.get("/api/runs/:run/events") { [self] request, context in
            let run = try await scoreboard.run(id: try runID(context))
            let query = QueryParameters(request: request)
            let after = try query.int("after", default: 0, in: 0...Int(Int32.max))
            let limit = try query.int(
                "limit",
                default: APILimits.defaultScoreEvents,
                in: 1...APILimits.maximumScoreEvents
            )
            let events = try await scoreboard.scoreEvents(runID: run.id, after: after, limit: limit)
            return JSONBody.response(
                ScoreEventsJSON(
                    run: run.id,
                    after: after,
                    next: events.count == limit ? after + limit : nil,
                    events: events
                )
            )
        }
        router.get("/api/standings/:division") { [self] _, context in
            JSONBody.response(try await scoreboard.standings(division: try context.pathParameter("division")))
        }
    }

    /// Run control and referee actions, behind the bearer token.
    func addAdminRoutes(to admin: RouterGroup<BasicRequestContext>) {
        admin.post("/") { [self] request, _ in
            guard
                let new = try await decodeBody(
                    NewRun.self,
                    from: request,
                    example: #"{"division":"P","name":"heat 1"}"#
                )
            else { throw APIError.badRequest("a body is required") }
            return JSONBody.response(try await scoreboard.perform(.create(new)), status: .created)
        }
        admin.post("/:run/start") { [self] request, context in
            let body = try await decodeBody(
                TimeBody.self,
                from: request,
                example: #"{"time":1800000000000000000}"#,
                optional: true
            )
            return JSONBody.response(
                try await scoreboard.perform(.start(runID: try runID(context), time: try body?.validTime()))
            )
        }
        admin.post("/:run/stop") { [self] request, context in
            let body = try await decodeBody(
                TimeBody.self,
                from: request,
                example: #"{"time":1800000000000000000}"#,
                optional: true
            )
            return JSONBody.response(
                try await scoreboard.perform(.stop(runID: try runID(context), time: try body?.validTime()))
            )
        }
        admin.post("/:run/finalize") { [self] _, context in
            JSONBody.response(try await scoreboard.perform(.finalize(runID: try runID(context))))
        }
        admin.post("/:run/award") { [self] request, context in
            let body = try await decodeBody(
                AwardBody.self,
                from: request,
                example: #"{"team":"alpha","fraction":0.05}"#
            )
            guard let award = body else { throw APIError.badRequest("a body is required") }
            return JSONBody.response(
                try await scoreboard.perform(
                    .award(runID: try runID(context), team: award.team, fraction: award.fraction)
                )
            )
        }
        admin.post("/:run/penalties") { [self] request, context in
            let body = try await decodeBody(
                NewPenalty.self,
                from: request,
                example: #"{"team":"alpha","points":5,"reason":"unsafe manoeuvre","robot":101}"#
            )
            guard let penalty = body else { throw APIError.badRequest("a body is required") }
            return JSONBody.response(try await scoreboard.perform(.penalty(runID: try runID(context), penalty)))
        }
        admin.post("/:run/penalties/:penalty/remove") { [self] request, context in
            let text = try context.pathParameter("penalty")
            guard let penaltyID = Int64(text) else {
                throw APIError.badRequest("penalty must be a penalty id (an integer); got '\(text)'")
            }
            let body = try await decodeBody(
                ReasonBody.self,
                from: request,
                example: #"{"reason":"video review"}"#
            )
            guard let reason = body?.reason, !reason.isEmpty else {
                throw APIError.badRequest("a reason is required: {\"reason\":\"video review\"}")
            }
            return JSONBody.response(
                try await scoreboard.perform(
                    .removePenalty(runID: try runID(context), penaltyID: penaltyID, reason: reason)
                )
            )
        }
    }
}
