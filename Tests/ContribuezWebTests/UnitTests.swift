@testable import ContribuezWeb
import Foundation
import Testing

@Suite("Web units")
struct WebUnitTests {
    @Test("Accept-Language picks the best of French and English by quality, French by default")
    func negotiation() {
        #expect(Lang.negotiate(nil) == .fr)
        #expect(Lang.negotiate("") == .fr)
        #expect(Lang.negotiate("en-US,en;q=0.9") == .en)
        #expect(Lang.negotiate("de-DE,de;q=0.9") == .fr)
        #expect(Lang.negotiate("en;q=0.4,fr;q=0.8") == .fr)
        #expect(Lang.negotiate("de,en;q=0.5") == .en)
        #expect(Lang.negotiate("en;q=0") == .fr)
    }

    @Test("form bodies decode + and percent escapes, and refuse broken escapes and invalid UTF-8")
    func forms() throws {
        let f = try Form(encoded: "a=1&b=deux+mots&c=%C3%A9t%C3%A9&d=&a=ignored")
        #expect(f["a"] == "1")
        #expect(f["b"] == "deux mots")
        #expect(f["c"] == "été")
        #expect(f["d"] == "")
        #expect(throws: Form.Failure.self) { try Form(encoded: "a=%ZZ") }
        #expect(throws: Form.Failure.self) { try Form(encoded: "a=%C3") }
        #expect(throws: Form.Failure.self) { try Form(encoded: "a=%FF") }
    }

    @Test("tokens compare in constant time and only base64url tokens are accepted")
    func tokens() {
        #expect(Tokens.equal("abc", "abc"))
        #expect(!Tokens.equal("abc", "abd"))
        #expect(!Tokens.equal("abc", "abcd"))
        #expect(Tokens.wellFormed("aZ09-_"))
        #expect(!Tokens.wellFormed("a b"))
        #expect(!Tokens.wellFormed("a;b"))
        #expect(!Tokens.wellFormed(""))
        #expect(Tokens.hash("x").count == 64)
    }

    @Test("catalogue placeholders are filled, unknown ones left as written")
    func placeholders() {
        #expect(Catalogue.fill("Du {from} au {to}", ["from": "1er mai", "to": "2 juin"]) == "Du 1er mai au 2 juin")
        #expect(Catalogue.fill("{n} votes, {x} et {", ["n": "3"]) == "3 votes, {x} et {")
        #expect(Catalogue.fill("sans rien", ["n": "3"]) == "sans rien")
        #expect(Catalogue.fill("{n}{n}", ["n": "é"]) == "éé")
    }

    @Test("local redirect targets only")
    func safeBack() {
        #expect(Screen.safeBack("/articles/1", fallback: "/") == "/articles/1")
        #expect(Screen.safeBack("//evil.example", fallback: "/") == "/")
        #expect(Screen.safeBack("https://evil.example", fallback: "/") == "/")
        #expect(Screen.safeBack("/a\r\nSet-Cookie: x=1", fallback: "/") == "/")
        #expect(Screen.safeBack(nil, fallback: "/x") == "/x")
    }
}
