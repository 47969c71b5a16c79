import NIOSSL

/// A self-signed certificate for `localhost` and 127.0.0.1 (valid 2000–2100), for the STARTTLS test only.
/// NB: test material, never used outside the tests; made with Python's `cryptography` (EC P-256).
enum TestCertificate {
    static let certificatePEM = """
-----BEGIN CERTIFICATE-----
MIIBWzCCAQGgAwIBAgIUCfK+4dzfIesh0iw0yqZfj+31SIEwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTAwMDEwMTAwMDAwMFoYDzIxMDAwMTAx
MDAwMDAwWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAASdIUbcx0qxxKWDSm2MByGz5V8AW6SDpprd3IO0o6QLElSs0MLfwo+x
Zc6FG6zxxR9bUgFYIPC/X6/ear4R4sssoy8wLTAaBgNVHREEEzARgglsb2NhbGhv
c3SHBH8AAAEwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEAkIwe
v91WxbuMBwsTv7CqKxV8rmjiy1xAfUnM90O5xK8CIA20QyFk9/MRCrxh13X67QUs
K4wGsJ6XqKUh+i22E0Wg
-----END CERTIFICATE-----
"""

    static let privateKeyPEM = """
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgbo8acEIE4GEBXUxG
4/RpUCwqxpDXVgSRZaoyG/BKJFuhRANCAASdIUbcx0qxxKWDSm2MByGz5V8AW6SD
pprd3IO0o6QLElSs0MLfwo+xZc6FG6zxxR9bUgFYIPC/X6/ear4R4sss
-----END PRIVATE KEY-----
"""

    static func serverContext() throws -> NIOSSLContext {
        let config = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(certificatePEM.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem)))
        return try NIOSSLContext(configuration: config)
    }

    /// A client configuration that trusts this certificate only.
    static func clientConfiguration() throws -> TLSConfiguration {
        var config = TLSConfiguration.makeClientConfiguration()
        config.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(certificatePEM.utf8), format: .pem)])
        return config
    }
}
