import FleetPostgres
import FleetStore
import Testing

struct PostgresLocationTests {
    @Test func aFullAddressGivesEveryPart() throws {
        let location = try PostgresLocation(url: "postgres://fleet:s3cret@db.example:6543/central?sslmode=require")
        #expect(location.user == "fleet")
        #expect(location.password == "s3cret")
        #expect(location.host == "db.example")
        #expect(location.port == 6543)
        #expect(location.database == "central")
        #expect(location.tls == .require)
        #expect("\(location)" == "postgres://fleet@db.example:6543/central", "the password never shows")
    }

    @Test func defaultsArePort5432NoTLSAndThePasswordFromTheEnvironment() throws {
        let location = try PostgresLocation(url: "postgresql://fleet@localhost/site", environment: ["PGPASSWORD": "pw"])
        #expect(location.port == 5432)
        #expect(location.tls == .disable)
        #expect(location.password == "pw")
        let socket = try PostgresLocation(url: "postgres://fleet@/site?host=/run/postgresql", environment: [:])
        #expect(socket.socketFolder == "/run/postgresql")
    }

    @Test(arguments: [
        ("fleet.db", "is not a postgres://"),
        ("postgres://db.example:5432/central", "no user"),
        ("postgres://fleet@db.example:5432/", "no database name"),
        ("postgres://fleet@db.example:5432/central?sslmode=maybe", "sslmode must be"),
        ("postgres://fleet@db.example:5432/central?pool=3", "unknown parameter 'pool'"),
        ("postgres://fleet:pw@db.example:5432/central?host=relative", "host= must be a socket folder"),
    ])
    func aBadAddressSaysWhatIsWrongWithoutThePassword(url: String, expected: String) {
        #expect {
            try PostgresLocation(url: url, environment: [:])
        } throws: { error in
            let message = (error as? StorageError)?.message ?? ""
            return message.contains(expected) && !message.contains(":pw@")
        }
    }
}
