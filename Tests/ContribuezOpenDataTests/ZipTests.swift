import ContribuezAnalysis
import ContribuezOpenData
import Foundation
import Testing

@Suite("ZIP writer and reader")
struct ZipTests {
    @Test("CRC-32 matches the standard check value")
    func crcCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        var crc = CRC32()
        crc.update(Array("12345".utf8)); crc.update(Array("6789".utf8))
        #expect(crc.value == 0xCBF4_3926)
    }

    @Test("what the writer writes, deflated or stored, reads back byte for byte", arguments: [ZipWriter<MemorySink>.Method.deflate, .store])
    func roundTrip(method: ZipWriter<MemorySink>.Method) async throws {
        // setup
        var big: [UInt8] = []
        for i in 0..<200_000 { big.append(contentsOf: "\(i),ligne numéro \(i)\r\n".utf8) }
        var zip = ZipWriter(sink: MemorySink(), method: method, modified: Date(timeIntervalSince1970: 1_750_000_000))
        // act
        try await zip.addEntry("petit.txt", Array("bonjour".utf8))
        try await zip.startEntry("gros.csv")
        for chunk in stride(from: 0, to: big.count, by: 10_000) { try await zip.write(Array(big[chunk..<min(big.count, chunk + 10_000)])) }
        try await zip.finishEntry()
        try await zip.addEntry("vide.csv", [])
        try await zip.finish()
        // check
        let reader = try ZipReader(bytes: zip.sink.bytes)
        #expect(reader.entries.map(\.name) == ["petit.txt", "gros.csv", "vide.csv"])
        #expect(try reader.read("petit.txt") == Array("bonjour".utf8))
        #expect(try reader.read("gros.csv") == big)
        #expect(try reader.read("vide.csv") == [])
        if method == .deflate { #expect(zip.sink.bytes.count < big.count / 2) }
    }

    @Test("past 65,535 entries the archive carries the ZIP64 end records and still reads")
    func zip64EntryCount() async throws {
        // setup
        var zip = ZipWriter(sink: MemorySink(), method: .store)
        // act
        for i in 0..<65_540 { try await zip.addEntry("f\(i)", [UInt8(i & 0xFF)]) }
        try await zip.finish()
        // check
        let bytes = zip.sink.bytes
        let eocd = bytes.count - 22
        #expect(bytes[eocd + 10] == 0xFF && bytes[eocd + 11] == 0xFF)
        let reader = try ZipReader(bytes: bytes)
        #expect(reader.entries.count == 65_540)
        #expect(try reader.read("f65539") == [UInt8(65_539 & 0xFF)])
    }

    @Test("an ordinary ZIP written by another tool reads (stored and deflated entries)")
    func readsOrdinaryZip() throws {
        // setup: written by Python's zipfile (no data descriptors)
        let b64 = "UEsDBBQAAAAAAAAAIQCkMjhUEgAAABIAAAAKAAAAc3RvcmVkLnR4dGJvbmpvdXIsIGxlIG1vbmRlClBLAwQUAAAACACAPoNd9SJ88SUAAACwBAAADAAAAGRlZmxhdGVkLmNzdstM0SnJLMlJ5eUy1FGyDQ711XA01FTi5cocFR8VHxUfFR9k4gBQSwECFAMUAAAAAAAAACEApDI4VBIAAAASAAAACgAAAAAAAAAAAAAAgAEAAAAAc3RvcmVkLnR4dFBLAQIUAxQAAAAIAIA+g131InzxJQAAALAEAAAMAAAAAAAAAAAAAACAAToAAABkZWZsYXRlZC5jc3ZQSwUGAAAAAAIAAgByAAAAiQAAAAAA"
        let bytes = [UInt8](Data(base64Encoded: b64)!)
        // act
        let reader = try ZipReader(bytes: bytes)
        // check
        #expect(String(decoding: try reader.read("stored.txt"), as: UTF8.self) == "bonjour, le monde\n")
        #expect(String(decoding: try reader.read("deflated.csv"), as: UTF8.self) == String(repeating: "id,title\r\n1,\"=SUM(A1)\"\r\n", count: 50))
    }

    @Test("a corrupted entry fails its CRC check instead of reading back wrong bytes")
    func corruptionIsDetected() async throws {
        // setup
        var zip = ZipWriter(sink: MemorySink(), method: .store)
        try await zip.addEntry("a.csv", Array("id\r\n1\r\n".utf8))
        try await zip.finish()
        var bytes = zip.sink.bytes
        // act: change the data byte '1' (after the 30-byte header and the 5-byte name, "id\r\n" is 4 bytes)
        bytes[30 + 5 + 4] = UInt8(ascii: "2")
        // check
        let reader = try ZipReader(bytes: bytes)
        #expect(throws: ZipReader.Failure.checksumMismatch("a.csv")) { try reader.read("a.csv") }
        #expect(throws: ZipReader.Failure.notAZip) { try ZipReader(bytes: Array("not a zip at all, really not".utf8)) }
    }
}

@Suite("CSV writer and reader")
struct CSVTests {
    @Test("cells that spreadsheets would run get one leading apostrophe, and the reader takes it off")
    func neutralisation() throws {
        // setup
        let texts = ["=SUM(A1)", "+33 1", "-x", "@cmd", "\tTab", "\rCR", "'=déjà", "''+deux", "normal", "it's", "'quote", "", "a,b", "dit \"oui\"\r\nligne"]
        var out: [UInt8] = []
        // act
        CSVWriter.header(["n", "text"], to: &out)
        for (i, t) in texts.enumerated() { CSVWriter.append([.int(Int64(-i)), .text(t)], to: &out) }
        // check
        var reader = CSVReader(bytes: out)
        #expect(try reader.next() == ["n", "text"])
        var raw: [[String]] = []
        while let row = try reader.next() { raw.append(row) }
        #expect(raw.map { $0[0] } == texts.indices.map { String(-$0) })
        #expect(raw[0][1] == "'=SUM(A1)" && raw[1][1] == "'+33 1" && raw[2][1] == "'-x" && raw[3][1] == "'@cmd")
        #expect(raw[4][1] == "'\tTab" && raw[5][1] == "'\rCR" && raw[6][1] == "''=déjà" && raw[8][1] == "normal" && raw[10][1] == "'quote")
        #expect(raw.map { Neutralisation.restore($0[1]) } == texts)
    }

    @Test("quoted fields keep commas, quotes and line ends; LF-only files read too")
    func quoting() throws {
        var out: [UInt8] = []
        CSVWriter.append([.text("a,b"), .text("dit \"oui\""), .text("deux\nlignes"), .empty, .number(0.25)], to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "\"a,b\",\"dit \"\"oui\"\"\",\"deux\nlignes\",,0.25\r\n")
        var reader = CSVReader(bytes: Array("x,y\n1,\"a\nb\"\n".utf8))
        #expect(try reader.next() == ["x", "y"])
        #expect(try reader.next() == ["1", "a\nb"])
        #expect(try reader.next() == nil)
        var bad = CSVReader(bytes: Array("x,\"open\n".utf8))
        #expect(throws: CSVReader.Failure.unterminatedQuote(line: 1)) { try bad.next() }
    }

    @Test("datetime cells are ISO 8601 UTC to the second")
    func datetimes() {
        #expect(OpenDataFormat.datetime(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(OpenDataFormat.datetime(Date(timeIntervalSince1970: 1_750_000_000.9)) == "2025-06-15T15:06:40Z")
        #expect(OpenDataFormat.parseDatetime("2025-06-15T15:06:40Z") == Date(timeIntervalSince1970: 1_750_000_000))
        #expect(OpenDataFormat.datetime(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00Z")
    }
}
