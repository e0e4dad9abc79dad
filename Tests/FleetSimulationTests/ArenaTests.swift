import FleetProtocol
import Testing

@testable import FleetSimulation

struct ArenaTests {
    @Test(arguments: SimDivision.allCases)
    func theSameSeedGivesTheSameArena(division: SimDivision) {
        #expect(ArenaLayout.generate(division: division, seed: 9) == ArenaLayout.generate(division: division, seed: 9))
    }

    @Test(arguments: SimDivision.allCases)
    func differentSeedsGiveDifferentArenas(division: SimDivision) {
        #expect(ArenaLayout.generate(division: division, seed: 1) != ArenaLayout.generate(division: division, seed: 2))
    }

    @Test(arguments: [(SimDivision.park, 40.0, 30.0), (.sidewalk, 60, 3), (.auxiliaryRoad, 80, 7), (.humanoid, 20, 15)])
    func arenasHaveTheirDivisionsSize(division: SimDivision, width: Double, height: Double) {
        let arena = Arena(division: division, seed: 3)
        #expect(arena.layout.width == width && arena.layout.height == height)
        #expect(arena.map.targetCellCount > 0)
        if division != .humanoid {
            #expect(arena.map.edgeCellCount > 0)
            #expect(arena.dustMass > 0 && arena.gravelMass > 0 && arena.stainArea > 0)
            #expect(!arena.layout.routes.isEmpty)
        } else {
            #expect(!arena.layout.bins.isEmpty)
        }
        #expect(arena.ratingSum > 0)
        #expect(division == .park ? arena.layout.ramp != nil : arena.layout.ramp == nil)
    }

    @Test(arguments: SimDivision.allCases)
    func litterLiesInTheZoneAndOffObstacles(division: SimDivision) {
        for seed in UInt64(1)...5 {
            let arena = Arena(division: division, seed: seed)
            let l = arena.layout
            for o in l.objects {
                #expect(l.inZone(o.position))
                #expect(l.obstacles.allSatisfy { $0.shape.clearance(to: o.position) > 0 })
                #expect((1...5).contains(o.rating))
            }
            let ids = l.objects.map(\.id) + l.patches.map(\.id)
            #expect(Set(ids).count == ids.count)
            #expect(l.geofence.contains(l.dock) && l.geofence.contains(l.transferPoint))
            #expect(arena.isFree(l.dock, radius: 0.5) && arena.isFree(l.transferPoint, radius: 0.5))
            // Patch masses add up cell by cell.
            let total = arena.litterEntryMass.reduce(0, +)
            #expect(abs(total - arena.dustMass - arena.gravelMass) < 1e-9)
        }
    }

    @Test func routesGiveDeterministicPositionsAndLeaveBetweenPasses() {
        let r = AgentRoute(
            id: 1,
            agentClass: .pedestrian,
            radius: 0.3,
            speed: 1,
            points: [Vec2(0, 0), Vec2(10, 0)],
            period: 20,
            phase: 0
        )
        #expect(r.state(at: 5).position == Vec2(5, 0))
        #expect(r.state(at: 5).velocity == Vec2(1, 0))
        #expect(!r.state(at: 15).active)
        #expect(r.state(at: 25).position == Vec2(5, 0))
    }

    @Test func theObstacleIndexFindsEveryObstacleNearAPoint() {
        let arena = Arena(division: .park, seed: 4)
        var rng = SeededGenerator(seed: 5)
        for _ in 0..<2000 {
            let p = Vec2(rng.uniform(0...40), rng.uniform(0...30))
            let brute = arena.layout.obstacles.map { $0.shape.clearance(to: p) }.min() ?? .infinity
            let fast = arena.nearestObstacle(to: p, radius: 0).clearance
            if brute < 1.0 { #expect(fast == brute) }
        }
    }
}
