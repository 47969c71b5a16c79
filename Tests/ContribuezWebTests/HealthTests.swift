import ContribuezCore
import ContribuezPostgres
import ContribuezStore
import ContribuezWeb
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `GET /health` reports the database's reachability (issue 11): 200 `ok` after a `SELECT 1`, 503 with a
/// short plain reason when the database does not answer.
@Suite("Health")
struct HealthTests {
    @Test("200 ok when the store answers a trivial read")
    func reachable() async throws {
        let server = try await TestServer.make()
        try await server.run { browser in
            let reply = try await browser.get("/health")
            #expect(reply.status == .ok)
            #expect(reply.body == "ok")
        }
    }

    @Test("503 with a plain reason, within seconds, when PostgreSQL is unreachable")
    func unreachable() async throws {
        // NB: nothing listens on port 1 of the loopback; `migrate: false` so the store opens without a server.
        let store = try await PostgresStore(url: "postgres://nobody:x@127.0.0.1:1/none?sslmode=disable", maximumConnections: 1, migrate: false, keys: StoreKeys(Keyring.generate()))
        defer { store.close() }
        let deps = try await makeDependencies(store: store, clock: FixedClock(TestServer.t0), hasher: BcryptHasher(cost: 4))
        let app = Application(router: buildRouter(deps))
        try await app.test(.router) { client in
            let started = Date()
            let reply = try await Browser(client: client).get("/health")
            // NB: the store gives up after 2 s; the bound is loose because the suites run in parallel on 2 cores.
            #expect(Date().timeIntervalSince(started) < 120, "bounded, not waiting for the pool to connect (loose: the suites share 2 cores)")
            #expect(reply.status == .serviceUnavailable)
            #expect(reply.body == "database unreachable")
            #expect(reply.headers[.contentType]?.hasPrefix("text/plain") == true)
        }
    }
}
