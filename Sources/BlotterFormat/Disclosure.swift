internal import BlotterCrypto

/// One committed field value, in the SD-JWT disclosure encoding (RFC 9901).
///
/// `encoded` = base64url(UTF-8 JSON array `[salt, field name, value]`); the statement commits to
/// base64url(SHA-256(ASCII bytes of `encoded`)). The encoded string is stored verbatim, apart from
/// the entry, so it can be withheld or destroyed while the entry still verifies. Immutable: a class
/// so that a copy (into a batch's look-ups, the checked statement, the store's insert) is one
/// reference, not five (an NJ report has 22 disclosures, copied several times on its way in).
public final class Disclosure: Sendable, Equatable {
    public static func == (a: Disclosure, b: Disclosure) -> Bool {
        a === b || (a.encoded == b.encoded && a.salt == b.salt && a.name == b.name && a.value == b.value && a.digest == b.digest)
    }

    /// The most bytes one encoded disclosure may have when appended (as an entry), and all of one
    /// statement's together: a field value is a record's text, not a document.
    public static let maxBytes = 65_536
    public static let maxBytesPerStatement = 262_144
    /// The disclosure string exactly as stored and hashed.
    public let encoded: String
    /// base64url of at least 16 random bytes; secret, because it protects low-entropy values.
    public let salt: String
    /// The field name.
    public let name: String
    /// The field value: any JSON.
    public let value: JSONValue
    /// The digest the statement commits to.
    public let digest: String

    /// The digest of a disclosure string: base64url(SHA-256(ASCII bytes)).
    public static func digest(of encoded: String) -> String {
        Base64.urlEncode(SHA256.hash(encoded.utf8))
    }

    /// Makes a disclosure with a fresh 16-byte random salt. The array is serialised with JCS.
    public static func make(name: String, value: JSONValue) throws -> Disclosure {
        try make(name: name, value: value, salt: try SecureRandom.bytes(16))
    }

    /// Makes a disclosure with the given salt (at least 16 random bytes, used for nothing else).
    public static func make(name: String, value: JSONValue, salt saltBytes: some Collection<UInt8>) throws -> Disclosure {
        guard Identifiers.isFieldName(name) else {
            throw BlotterError(.invalidInput, "field name \"\(name)\" must match ^[a-z][a-z0-9_]{0,63}$")
        }
        guard saltBytes.count >= 16 else { throw BlotterError(.invalidInput, "a disclosure salt needs at least 16 bytes") }
        if let n = firstInexactInteger(value) {
            throw BlotterError(.invalidStatement, "field \(name): the integer \(n) is beyond ±2^53, the largest a JSON number keeps exactly (RFC 8785 would write it rounded); give it as a string")
        }
        let salt = Base64.urlEncode(Array(saltBytes))
        // The JCS of [salt, name, value], written without building the array.
        var json = [UInt8]()
        json.reserveCapacity(salt.utf8.count + name.utf8.count + 64)
        json.append(UInt8(ascii: "["))
        CanonicalJSON.writeString(salt, to: &json)
        json.append(UInt8(ascii: ","))
        CanonicalJSON.writeString(name, to: &json)
        json.append(UInt8(ascii: ","))
        try CanonicalJSON.write(value, to: &json)
        json.append(UInt8(ascii: "]"))
        // Made here from its parts, so not read back: the parts are what the string encodes.
        let encoded = Base64.urlEncode(json)
        return Disclosure(encoded: encoded, salt: salt, name: name, value: value, digest: digest(of: encoded))
    }

    private init(encoded: String, salt: String, name: String, value: JSONValue, digest: String) {
        self.encoded = encoded
        self.salt = salt
        self.name = name
        self.value = value
        self.digest = digest
    }

    /// The first integer in `value` (at any depth) that a JSON number cannot hold exactly, beyond ±2^53.
    public static func firstInexactInteger(_ value: JSONValue) -> Int64? {
        switch value {
        case let .integer(n): return n.magnitude > 1 << 53 ? n : nil
        case let .array(items): return items.lazy.compactMap(firstInexactInteger).first
        case let .object(members): return members.lazy.compactMap { firstInexactInteger($0.1) }.first
        default: return nil
        }
    }

    /// Checks a stored disclosure without building its value: its digest is `committed`, it is
    /// base64url of one JSON array `[salt, name, value]` with a salt of at least 16 bytes, and its
    /// name is `field`. The fast path of verification; ``init(encoded:)`` reads the value too.
    public static func check(_ encoded: String, field: String, committed: String) throws(BlotterError) {
        var encoded = encoded
        let digestMatches = encoded.withUTF8 { bytes in
            var digest = TreeHash.empty
            withUnsafeMutableBytes(of: &digest.words) { SHA256.hash(UnsafeRawBufferPointer(bytes), into: $0.baseAddress!) }
            return Base64.urlEncodedEquals(digest, committed)
        }
        guard digestMatches else {
            throw BlotterError(.disclosureMismatch, "disclosure for field \"\(field)\" does not match its digest (expected \(committed), found \(digest(of: encoded)))")
        }
        guard let json = Base64.urlDecode(encoded) else {
            throw BlotterError(.invalidStatement, "disclosure for field \"\(field)\" is not base64url without padding")
        }
        let fast: Bool
        do {
            fast = try json.withUnsafeBufferPointer { buffer throws(BlotterError) in try JSONParser.validateDisclosure(buffer, field: field) }
        } catch {
            throw BlotterError(.invalidStatement, "disclosure for field \"\(field)\" does not hold valid JSON: \(error.message)")
        }
        if fast { return }
        // Escapes in the salt or name, or any other shape: the full reading decides.
        let d = try Disclosure(encoded: encoded)
        guard d.name == field else {
            throw BlotterError(.invalidStatement, "stored disclosure for field \"\(field)\" names field \"\(d.name)\"")
        }
    }

    /// Parses a disclosure string.
    /// - Throws: ``BlotterError`` `.invalidStatement` naming what is wrong with it.
    public init(encoded: String) throws(BlotterError) {
        let items = try Disclosure.items(ofEncoded: encoded)
        guard case let .string(salt) = items[0], let saltBytes = Base64.urlDecode(salt), saltBytes.count >= 16 else {
            throw BlotterError(.invalidStatement, "disclosure salt must be base64url of at least 16 bytes")
        }
        guard case let .string(name) = items[1], Identifiers.isFieldName(name) else {
            throw BlotterError(.invalidStatement, "disclosure field name must match ^[a-z][a-z0-9_]{0,63}$")
        }
        self.encoded = encoded
        self.salt = salt
        self.name = name
        self.value = items[2]
        self.digest = Disclosure.digest(of: encoded)
    }

    /// The value a disclosure string holds, read without computing its digest: for rebuilding
    /// views from disclosures already checked when they were appended (and by `verify`).
    public static func value(ofEncoded encoded: String) throws(BlotterError) -> JSONValue {
        try items(ofEncoded: encoded)[2]
    }

    /// The three members `[salt, name, value]` of a disclosure string, unchecked beyond their count.
    static func items(ofEncoded encoded: String) throws(BlotterError) -> [JSONValue] {
        guard let json = Base64.urlDecode(encoded) else {
            throw BlotterError(.invalidStatement, "disclosure is not base64url without padding")
        }
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(json)
        } catch {
            throw BlotterError(.invalidStatement, "disclosure does not hold valid JSON: \(error.message)")
        }
        guard case let .array(items) = parsed, items.count == 3 else {
            throw BlotterError(.invalidStatement, "disclosure must be a JSON array [salt, name, value]")
        }
        return items
    }
}
