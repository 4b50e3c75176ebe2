#!/usr/bin/env python3
"""Independent verifier for Blotter ledgers.

Written from docs/FORMAT.md alone; shares no code with the Swift implementation. Checks everything
`blotter verify` checks: sequence, canonical form, prev chain, clock rules, disclosures against their
digests, genesis, key registry (registered before use, same actor, same algorithm, not revoked),
roles, stream versions (`expect`), every signature, and the stored RFC 6962 Merkle tree.

Usage:
  verify_ledger.py [--json] LEDGER
  verify_ledger.py checkpoint FILE --key VKEY [--witness VKEY ...] [--quorum K]
  verify_ledger.py proof PROOF.json [--checkpoint FILE --key VKEY]
  verify_ledger.py tiles DIR --key VKEY        (a C2SP tlog-tiles mirror, as `blotter tiles export` writes)
  verify_ledger.py tlog-proof FILE --entry RAW --key VKEY   (a C2SP tlog-proof for an entry's exact bytes)
Exit status: 0 if it verifies, 1 if it does not, 2 if it cannot be read.
Needs: Python 3.9+, `cryptography`, `rfc8785` (pip install cryptography rfc8785).
"""

import argparse
import base64
import binascii
import datetime
import hashlib
import json
import re
import sqlite3
import sys

try:
    import rfc8785
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519
except ImportError as missing:
    # Exit 3, never 1: 1 means "the ledger fails", and a missing package is not that.
    print("verify_ledger: %s; install them with: python3 -m pip install cryptography rfc8785" % missing, file=sys.stderr)
    sys.exit(3)

APPLICATION_ID = 0x424C5452
SIGNING_PREFIX = b"blotter/statement/v1\n"
MAX_ENTRY_BYTES = 65535
MAX_SKEW_MS = 5 * 60 * 1000
MAX_DEPTH = 128
ZERO_HASH = "0" * 64
STATEMENT_MEMBERS = {"v", "log", "type", "schema", "stream", "expect", "actor", "key", "alg", "at", "nonce", "fields", "sig"}
ENTRY_MEMBERS = {"seq", "prev", "recorded", "statement"}

FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
TYPE_SEGMENT = re.compile(r"[a-z][a-z0-9_]*")
ACTOR_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
STREAM = re.compile(r"[A-Za-z0-9._:/-]{1,200}")
ORIGIN = re.compile(r"[\x21-\x2a\x2c-\x7e]{1,255}")
LOWER_HEX_64 = re.compile(r"[0-9a-f]{64}")
B64URL = re.compile(r"[A-Za-z0-9_-]*")
TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.(\d{3}))?Z")


OFFICER_ID = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,31}\Z")


class Invalid(Exception):
    """One rule broken; `seq` is the entry it is about."""

    def __init__(self, message, seq=None):
        super().__init__(message)
        self.message = message
        self.seq = seq


# ---------------------------------------------------------------- encodings


def b64url_decode(text):
    """base64url without padding, canonical only (section 1); None if not."""
    if not isinstance(text, str) or not B64URL.fullmatch(text) or len(text) % 4 == 1:
        return None
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != text:
        return None
    return raw


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64std_decode(text):
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if base64.b64encode(raw).decode() == text else None


def parse_time(text, millis_required):
    """Milliseconds since the epoch of an RFC 3339 UTC time (section 1), or None."""
    if not isinstance(text, str):
        return None
    m = TIME.fullmatch(text)
    if not m or (millis_required and m.group(7) is None):
        return None
    try:
        dt = datetime.datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), int(m.group(4)),
                               int(m.group(5)), int(m.group(6)), tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    seconds = (dt - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)) // datetime.timedelta(seconds=1)
    return seconds * 1000 + (int(m.group(8)) if m.group(8) else 0)


def strict_json(raw, floats_allowed):
    """Parses UTF-8 JSON refusing duplicate keys, NaN/Infinity, deep nesting and (optionally) floats."""

    def pairs(items):
        obj = {}
        for k, v in items:
            if k in obj:
                raise Invalid('duplicate object key "%s"' % k)
            obj[k] = v
        return obj

    def no_float(text):
        raise Invalid("numbers in statements and entries are integers only, found %s" % text)

    def no_constant(text):
        raise Invalid("%s is not JSON" % text)

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid("not valid UTF-8")
    try:
        value = json.loads(text, object_pairs_hook=pairs, parse_constant=no_constant,
                           parse_float=None if floats_allowed else no_float)
    except Invalid:
        raise
    except (ValueError, RecursionError) as e:
        raise Invalid("not valid JSON: %s" % e)
    if depth(value) > MAX_DEPTH:
        raise Invalid("nesting deeper than %d" % MAX_DEPTH)
    if has_lone_surrogate(value):
        raise Invalid("unpaired surrogate in a string")
    return value


def depth(value):
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


def has_lone_surrogate(value):
    if isinstance(value, str):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, dict):
        return any(has_lone_surrogate(k) or has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_lone_surrogate(v) for v in value)
    return False


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool) and abs(v) < 2 ** 53


# ---------------------------------------------------------------- format


def is_actor(s):
    return isinstance(s, str) and 1 <= len(s.encode()) <= 128 and all(ACTOR_SEGMENT.fullmatch(p) for p in s.split("/"))


def is_type(s):
    if not isinstance(s, str) or not 3 <= len(s.encode()) <= 128:
        return False
    parts = s.split(".")
    return len(parts) >= 2 and all(TYPE_SEGMENT.fullmatch(p) for p in parts)


def check_statement(st):
    """Section 3: exactly the defined members, each well formed."""
    if not isinstance(st, dict):
        raise Invalid("statement must be a JSON object")
    for name in st:
        if name not in STATEMENT_MEMBERS:
            raise Invalid('statement has unknown member "%s"' % name)
    for name in STATEMENT_MEMBERS:
        if name not in st:
            raise Invalid('statement is missing "%s"' % name)
    if not is_int(st["v"]) or st["v"] != 1:
        raise Invalid('statement "v" must be 1')
    if not isinstance(st["log"], str) or not ORIGIN.fullmatch(st["log"]):
        raise Invalid('statement "log" is not a valid origin')
    if not is_type(st["type"]):
        raise Invalid('statement "type" is not a valid type name')
    if not is_int(st["schema"]) or st["schema"] < 1:
        raise Invalid('statement "schema" must be an integer of at least 1')
    if not isinstance(st["stream"], str) or not STREAM.fullmatch(st["stream"]):
        raise Invalid('statement "stream" is not a valid stream name')
    if st["expect"] is not None and (not is_int(st["expect"]) or st["expect"] < 0):
        raise Invalid('statement "expect" must be null or a non-negative integer')
    if not is_actor(st["actor"]):
        raise Invalid('statement "actor" is not a valid actor name')
    if not isinstance(st["key"], str) or not LOWER_HEX_64.fullmatch(st["key"]):
        raise Invalid('statement "key" must be 64 lowercase hex digits')
    if st["alg"] not in ("ed25519", "ecdsa-p256-sha256"):
        raise Invalid('statement "alg" must be ed25519 or ecdsa-p256-sha256')
    if parse_time(st["at"], False) is None:
        raise Invalid('statement "at" is not RFC 3339 UTC with none or three fractional digits')
    nonce = b64url_decode(st["nonce"])
    if nonce is None or len(nonce) != 16:
        raise Invalid('statement "nonce" must be base64url of 16 bytes')
    if not isinstance(st["fields"], dict):
        raise Invalid('statement "fields" must be an object')
    for name, digest in st["fields"].items():
        if not FIELD_NAME.fullmatch(name):
            raise Invalid('field name "%s" is not valid' % name)
        d = b64url_decode(digest) if isinstance(digest, str) else None
        if d is None or len(d) != 32:
            raise Invalid('field "%s" must map to a base64url SHA-256 digest' % name)
    sig = b64url_decode(st["sig"])
    if not sig:
        raise Invalid('statement "sig" must be a non-empty base64url signature')
    if st["alg"] == "ed25519" and len(sig) != 64:
        raise Invalid("an ed25519 sig is 64 bytes, found %d" % len(sig))


def parse_entry(raw):
    """Section 4: parse entry bytes and require that they are exactly JCS."""
    if len(raw) > MAX_ENTRY_BYTES:
        raise Invalid("entry is %d bytes, more than %d" % (len(raw), MAX_ENTRY_BYTES))
    try:
        entry = strict_json(raw, floats_allowed=False)
    except Invalid as e:
        raise Invalid("entry bytes are not valid: %s" % e.message)
    if not isinstance(entry, dict) or set(entry) != ENTRY_MEMBERS:
        raise Invalid("entry must have exactly seq, prev, recorded and statement")
    if not is_int(entry["seq"]) or entry["seq"] < 0:
        raise Invalid('entry "seq" must be a non-negative integer')
    if not isinstance(entry["prev"], str) or not LOWER_HEX_64.fullmatch(entry["prev"]):
        raise Invalid('entry "prev" must be 64 lowercase hex digits')
    if parse_time(entry["recorded"], True) is None:
        raise Invalid('entry "recorded" must be RFC 3339 UTC with three fractional digits')
    check_statement(entry["statement"])
    try:
        canonical = rfc8785.dumps(entry)
    except Exception as e:  # rfc8785 refuses e.g. integers beyond 2^53
        raise Invalid("entry cannot be canonicalised: %s" % e)
    if canonical != raw:
        raise Invalid("entry bytes are not valid: not in RFC 8785 canonical form")
    return entry


def parse_disclosure(text):
    """Section 2: returns (name, value, digest)."""
    raw = b64url_decode(text)
    if raw is None:
        raise Invalid("disclosure is not base64url without padding")
    value = strict_json(raw, floats_allowed=True)
    if not isinstance(value, list) or len(value) != 3:
        raise Invalid("disclosure must be a JSON array [salt, name, value]")
    salt = b64url_decode(value[0]) if isinstance(value[0], str) else None
    if salt is None or len(salt) < 16:
        raise Invalid("disclosure salt must be base64url of at least 16 bytes")
    if not isinstance(value[1], str) or not FIELD_NAME.fullmatch(value[1]):
        raise Invalid("disclosure field name is not valid")
    return value[1], value[2], b64url(hashlib.sha256(text.encode("ascii")).digest())


def load_spki(text, what):
    der = b64url_decode(text) if isinstance(text, str) else None
    if der is None:
        raise Invalid("%s must be base64url of an SPKI DER public key" % what)
    try:
        key = serialization.load_der_public_key(der)
    except ValueError as e:
        raise Invalid("%s is not a public key: %s" % (what, e))
    if isinstance(key, ed25519.Ed25519PublicKey):
        alg = "ed25519"
    elif isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        alg = "ecdsa-p256-sha256"
    else:
        raise Invalid("%s is neither Ed25519 nor P-256" % what)
    if key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) != der:
        raise Invalid("%s is not canonical DER" % what)
    return {"key": key, "alg": alg, "id": hashlib.sha256(der).hexdigest()}


def parse_note_verifier_key(text, origin):
    """Section 5.3: name+hexkeyid+base64(0x01||pubkey). Returns (name, key id bytes, Ed25519 key)."""
    parts = text.split("+", 2) if isinstance(text, str) else []
    if len(parts) != 3 or parts[0] != origin or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
        raise Invalid("operator_key must be origin+hexkeyid+base64key named after the origin")
    raw = b64std_decode(parts[2])
    if raw is None or len(raw) != 33 or raw[0] != 1:
        raise Invalid("operator_key must hold 0x01 and a 32-byte Ed25519 key")
    key_id = hashlib.sha256(origin.encode() + b"\n" + raw).digest()[:4].hex()
    if key_id != parts[1]:
        raise Invalid("operator_key id %s does not match its key (expected %s)" % (parts[1], key_id))
    return origin, bytes.fromhex(key_id), ed25519.Ed25519PublicKey.from_public_bytes(raw[1:])


def check_role_table(table):
    if not isinstance(table, dict) or set(table) - {"roles", "types"} or not isinstance(table.get("roles"), list) \
            or not isinstance(table.get("types"), dict):
        raise Invalid('role table must be {"roles": [...], "types": {...}}')
    roles = table["roles"]
    for type_name, allowed in table["types"].items():
        if not is_type(type_name) or not isinstance(allowed, list) or any(r not in roles for r in allowed):
            raise Invalid("role table entry for %s is not valid" % type_name)
    for required in ("ledger.created", "key.registered", "key.revoked"):
        if required not in table["types"]:
            raise Invalid("role table must list %s" % required)
    if "admin" not in table["types"]["ledger.created"] or "admin" not in table["types"]["key.registered"]:
        raise Invalid("role table must let admin make ledger.created and key.registered")
    return table


def signature_ok(key, alg, sig, message):
    try:
        if alg == "ed25519":
            key.verify(sig, message)
        else:
            key.verify(sig, message, ec.ECDSA(hashes.SHA256()))
        return True
    except (InvalidSignature, ValueError):
        return False


# ---------------------------------------------------------------- verification


class Frontier:
    """The right edge of the RFC 6962 Merkle tree (section 5.7 of FORMAT.md): one hash per level."""

    def __init__(self):
        self.levels = []
        self.size = 0

    def append(self, leaf):
        """Adds a leaf; returns the complete subtrees it finishes as (level, index, hash)."""
        finished = [(0, self.size, leaf)]
        h, level, index = leaf, 0, self.size
        while index & 1:
            h = hashlib.sha256(b"\x01" + self.levels[level] + h).digest()
            self.levels[level] = None
            level += 1
            index >>= 1
            finished.append((level, index, h))
        if level == len(self.levels):
            self.levels.append(None)
        self.levels[level] = h
        self.size += 1
        return finished

    def root(self):
        result = None
        for h in self.levels:
            if h is not None:
                result = h if result is None else hashlib.sha256(b"\x01" + h + result).digest()
        return result if result is not None else hashlib.sha256(b"").digest()


class Verifier:
    def __init__(self):
        self.origin = None
        self.roles = None
        self.keys = {}  # key id -> dict(key, alg, actor, roles, registered, revoked)
        self.streams = {}
        self.prev = ZERO_HASH
        self.last_recorded = None
        self.last_recorded_text = None
        self.key_statements = []
        self.count = 0
        self.disclosures = 0
        self.withheld = 0
        self.tree = Frontier()
        self.views = Views()
        self.view_rows = None

    def entry(self, seq, raw, stored_disclosures):
        if seq != self.count:
            raise Invalid("expected entry %d next, found entry %d: an entry is missing" % (self.count, seq), self.count)
        entry = parse_entry(raw)
        st = entry["statement"]
        if entry["seq"] != seq:
            raise Invalid("stored as entry %d but its bytes say seq %d" % (seq, entry["seq"]))
        if entry["prev"] != self.prev:
            raise Invalid("prev does not match SHA-256 of entry %d (expected %s, found %s)" % (seq - 1, self.prev, entry["prev"]))
        recorded = parse_time(entry["recorded"], True)
        if self.last_recorded is not None and recorded < self.last_recorded:
            raise Invalid("recorded %s is earlier than the previous entry's %s" % (entry["recorded"], self.last_recorded_text))
        if parse_time(st["at"], False) - recorded > MAX_SKEW_MS:
            raise Invalid('statement time "at" %s is more than 5 minutes after the ledger\'s time %s' % (st["at"], entry["recorded"]))

        values = {}
        for field, text in stored_disclosures.items():
            name, value, digest = parse_disclosure(text)
            if field not in st["fields"]:
                raise Invalid('stored disclosure for field "%s" names a field the statement does not commit to' % field)
            if digest != st["fields"][field]:
                raise Invalid('disclosure for field "%s" does not match its digest (expected %s, found %s)'
                              % (field, st["fields"][field], digest))
            if name != field:
                raise Invalid('stored disclosure for field "%s" names field "%s"' % (field, name))
            values[field] = value

        def need(name):
            if name not in st["fields"]:
                raise Invalid('%s must commit to field "%s"' % (st["type"], name))
            if name not in values:
                raise Invalid('%s needs the disclosure of field "%s"' % (st["type"], name))
            return values[name]

        need.values = values
        if seq == 0:
            signer = self.genesis(st, need)
        else:
            signer = self.ordinary(seq, st, need)
        message = SIGNING_PREFIX + rfc8785.dumps({k: v for k, v in st.items() if k != "sig"})
        if not signature_ok(signer["key"], st["alg"], b64url_decode(st["sig"]), message):
            raise Invalid("signature does not verify with key %s" % st["key"])

        self.streams[st["stream"]] = self.streams.get(st["stream"], 0) + 1
        self.prev = hashlib.sha256(raw).hexdigest()
        self.last_recorded = recorded
        self.last_recorded_text = entry["recorded"]
        if st["type"] in KEY_STATEMENT_TYPES:
            self.key_statements.append(seq)
        self.count += 1
        self.disclosures += len(values)
        self.withheld += len(st["fields"]) - len(values)
        self.views.apply(seq, st, values)

    def genesis(self, st, need):
        if st["type"] != "ledger.created":
            raise Invalid("entry 0 must be ledger.created, found %s" % st["type"])
        origin = need("origin")
        if origin != st["log"]:
            raise Invalid("ledger.created: origin must equal the statement's log")
        self.operator_key = parse_note_verifier_key(need("operator_key"), origin)
        if need("admin") != st["actor"]:
            raise Invalid("ledger.created: admin must be the statement's actor")
        admin = load_spki(need("admin_key"), "ledger.created admin_key")
        if admin["id"] != st["key"]:
            raise Invalid("ledger.created: signed with key %s, but admin_key is %s" % (st["key"], admin["id"]))
        if admin["alg"] != st["alg"]:
            raise Invalid("ledger.created: admin_key algorithm does not match alg")
        self.roles = check_role_table(need("roles"))
        if st["expect"] not in (None, 0):
            raise Invalid("stream %s: expected version %d, current version is 0" % (st["stream"], st["expect"]))
        self.origin = origin
        record = dict(admin, actor=st["actor"], roles=["admin"], registered=0, revoked=None)
        self.keys[admin["id"]] = record
        return record

    def ordinary(self, seq, st, need):
        if st["type"] == "ledger.created":
            raise Invalid("ledger.created may only be entry 0")
        if st["log"] != self.origin:
            raise Invalid('statement is for ledger "%s", this ledger is "%s"' % (st["log"], self.origin))
        signer = self.keys.get(st["key"])
        if signer is None or signer["registered"] >= seq:
            raise Invalid("key %s is not registered" % st["key"])
        if signer["revoked"] is not None and signer["revoked"] < seq:
            raise Invalid("key %s of %s was revoked at entry %d" % (st["key"], signer["actor"], signer["revoked"]))
        if signer["actor"] != st["actor"]:
            raise Invalid("key %s is registered to %s, not %s" % (st["key"], signer["actor"], st["actor"]))
        if signer["alg"] != st["alg"]:
            raise Invalid("key %s is %s, statement says %s" % (st["key"], signer["alg"], st["alg"]))
        allowed = self.roles["types"].get(st["type"])
        if allowed is None:
            raise Invalid("type %s is not in the ledger's role table" % st["type"])
        if not any(r in allowed for r in signer["roles"]):
            raise Invalid("%s may not make %s" % (st["actor"], st["type"]))
        if st["expect"] is not None and st["expect"] != self.streams.get(st["stream"], 0):
            raise Invalid("stream %s: expected version %d, current version is %d"
                          % (st["stream"], st["expect"], self.streams.get(st["stream"], 0)))
        if st["type"] == "key.registered":
            subject = need("subject")
            if not is_actor(subject):
                raise Invalid("key.registered: subject is not a valid actor name")
            new = load_spki(need("public_key"), "key.registered public_key")
            roles = need("roles")
            if not isinstance(roles, list) or not roles or any(r not in self.roles["roles"] for r in roles):
                raise Invalid("key.registered: roles must be a non-empty array of the table's roles")
            officer = need.values.get("officer")
            if "officer" in need.values and (not isinstance(officer, str) or not OFFICER_ID.match(officer)):
                raise Invalid("key.registered: officer must be an officer id")
            if new["id"] in self.keys:
                raise Invalid("key %s was already registered" % new["id"])
            self.keys[new["id"]] = dict(new, actor=subject, roles=roles, registered=seq, revoked=None)
        elif st["type"] == "key.revoked":
            target = self.keys.get(need("key"))
            if target is None:
                raise Invalid("key.revoked: key is not registered")
            if target["revoked"] is not None:
                raise Invalid("key.revoked: key was already revoked at entry %d" % target["revoked"])
            target["revoked"] = seq
        return signer


def check_tree(db, seq, finished):
    """Section 6: every complete subtree the entry finishes is stored, with the right hash."""
    for level, index, h in finished:
        row = db.execute("SELECT hash FROM tree_hashes WHERE level = ? AND idx = ?", (level, index)).fetchone()
        if row is None:
            raise Invalid("the stored Merkle tree has no hash at level %d, index %d" % (level, index), seq)
        if bytes(row[0]) != h:
            raise Invalid("the stored Merkle tree hash at level %d, index %d does not match the entries" % (level, index), seq)


def stored_root(db, size):
    """The root of the first `size` leaves from the stored complete-subtree hashes (RFC 9162 2.1.1)."""

    def subtree(start, end):
        n = end - start
        if n & (n - 1) == 0 and start % n == 0:
            level = n.bit_length() - 1
            row = db.execute("SELECT hash FROM tree_hashes WHERE level = ? AND idx = ?", (level, start >> level)).fetchone()
            if row is None:
                raise Invalid("the stored Merkle tree has no hash at level %d, index %d" % (level, start >> level))
            return bytes(row[0])
        k = 1 << ((n - 1).bit_length() - 1)
        return hashlib.sha256(b"\x01" + subtree(start, start + k) + subtree(start + k, end)).digest()

    return subtree(0, size) if size > 0 else hashlib.sha256(b"").digest()


def check_checkpoints(db, v):
    """Section 7: every stored checkpoint is a C2SP note signed by the operator key, for this
    origin, no larger than the ledger, with the tree's root at its size."""
    name, key_id, key = v.operator_key
    for size, note in db.execute("SELECT size, note FROM checkpoints ORDER BY size"):
        where = "stored checkpoint at size %d: " % size
        split = note.rfind("\n\n")
        if split < 0 or not note.endswith("\n"):
            raise Invalid(where + "not a signed note")
        text, sig_lines = note[:split + 1], note[split + 2:-1].split("\n")
        lines = text[:-1].split("\n")
        if len(lines) < 3 or lines[0] != v.origin or lines[1] != str(size) or any(l == "" for l in lines[3:]):
            raise Invalid(where + "its text is not origin, size and root of this ledger")
        signed = False
        for line in sig_lines:
            parts = line.split(" ")
            if len(parts) != 3 or parts[0] != "\u2014":
                raise Invalid(where + "malformed signature line")
            raw = b64std_decode(parts[2])
            if raw is None or len(raw) <= 4:
                raise Invalid(where + "malformed signature")
            if parts[1] == name and raw[:4] == key_id:
                try:
                    key.verify(raw[4:], text.encode())
                except InvalidSignature:
                    raise Invalid(where + "the operator's signature does not verify")
                signed = True
        if not signed:
            raise Invalid(where + "not signed by the operator key")
        if size > v.count:
            raise Invalid(where + "its size is larger than the ledger's %d entries" % v.count)
        if b64std_decode(lines[2]) != stored_root(db, size):
            raise Invalid(where + "its root is not the tree's root at that size")


class PostgresLedger:
    """A PostgreSQL ledger (docs/POSTGRESQL.md) read through psycopg, with sqlite3's execute() shape:
    `?` placeholders, rows as tuples, bytea as bytes. One REPEATABLE READ, read-only transaction, so
    the whole check sees one snapshot; it works on a hot-standby replica."""

    def __init__(self, url):
        try:
            import psycopg
        except ImportError as missing:
            print("verify_ledger: %s; a PostgreSQL ledger needs it: python3 -m pip install 'psycopg[binary]'" % missing, file=sys.stderr)
            sys.exit(3)
        self.conn = psycopg.connect(url, autocommit=False)
        self.conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        self.conn.read_only = True

    def execute(self, sql, params=()):
        cur = self.conn.cursor()
        cur.execute(sql.replace("?", "%s"), params)
        return cur


def open_ledger(path):
    """The ledger's tables (sqlite3 or psycopg) and its entry count; refuses what is not a ledger."""
    if path.startswith("postgres://") or path.startswith("postgresql://"):
        try:
            import psycopg
        except ImportError:
            raise OSError("reading a PostgreSQL ledger needs psycopg: python3 -m pip install 'psycopg[binary]'")
        try:
            db = PostgresLedger(path)
            meta = db.execute("SELECT to_regclass('blotter_meta') IS NOT NULL").fetchone()[0]
            app = meta and db.execute("SELECT value FROM blotter_meta WHERE name = 'application'").fetchone()
            if not app or app[0] != "blotter-ledger":
                raise Invalid("%s is not a Blotter ledger" % redact(path))
            total = db.execute("SELECT COALESCE(MAX(seq) + 1, 0) FROM entries").fetchone()[0]
        except psycopg.Error as e:
            raise OSError("cannot read %s: %s" % (redact(path), str(e).split("\n")[0]))
        return db, total
    try:
        db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
        if db.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            raise Invalid("%s is not a Blotter ledger" % path)
        total = db.execute("SELECT COALESCE(MAX(seq) + 1, 0) FROM entries").fetchone()[0]
    except sqlite3.Error as e:
        raise OSError("cannot read %s: %s" % (path, e))
    return db, total


def redact(url):
    """A URL without its password."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1@", url)


def verify(path, chunk=4096):
    db, total = open_ledger(path)
    v = Verifier()
    last = -1
    while True:
        rows = db.execute("SELECT seq, bytes FROM entries WHERE seq > ? ORDER BY seq LIMIT ?", (last, chunk)).fetchall()
        if not rows:
            break
        disclosures = {}
        for seq, field, text in db.execute("SELECT seq, field, disclosure FROM disclosures WHERE seq BETWEEN ? AND ?",
                                           (rows[0][0], rows[-1][0])):
            disclosures.setdefault(seq, {})[field] = text
        for seq, raw in rows:
            try:
                if isinstance(raw, str):
                    raw = raw.encode("utf-8")
                stored = disclosures.get(seq, {})
                for field, text in stored.items():
                    if not isinstance(text, str):
                        raise Invalid('stored disclosure for field "%s" is not text' % field)
                v.entry(seq, bytes(raw), stored)
                check_tree(db, seq, v.tree.append(hashlib.sha256(b"\x00" + bytes(raw)).digest()))
            except Invalid as e:
                raise Invalid(e.message, e.seq if e.seq is not None else seq)
            except (TypeError, ValueError, UnicodeError, KeyError) as e:
                raise Invalid("malformed stored entry: %s" % e, seq)
            last = seq
    if v.count != total:
        raise Invalid("expected %d entries, found %d" % (total, v.count), v.count)
    if db.execute("SELECT 1 FROM tree_hashes WHERE level = 0 AND idx = ?", (v.count,)).fetchone() is not None:
        raise Invalid("entry %d is missing: the stored Merkle tree has its leaf (entries were removed from the end)" % v.count, v.count)
    stored = db.execute("SELECT COUNT(*) FROM tree_hashes").fetchone()[0]
    expected = 2 * v.count - bin(v.count).count("1")
    if stored != expected:
        raise Invalid("the stored Merkle tree has %d hashes; %d entries make %d" % (stored, v.count, expected))
    check_key_statement_list(db, v)
    check_key_table(db, v)
    if v.count:
        check_checkpoints(db, v)
    if has_views(db):
        v.view_rows = v.views.check(db)
    return v


KEY_STATEMENT_TYPES = ("ledger.created", "key.registered", "key.revoked")


def check_key_statement_list(db, v):
    """Blotter's appends find the key statements by the entries' stored `type` column (section 6):
    it must list exactly the entries whose bytes are key statements."""
    listed = [seq for (seq,) in db.execute(
        "SELECT seq FROM entries WHERE type IN ('ledger.created', 'key.registered', 'key.revoked') ORDER BY seq") if seq < v.count]
    if listed != v.key_statements:
        in_bytes, in_list = set(v.key_statements), set(listed)
        seq = min(in_bytes ^ in_list)
        if seq in in_bytes:
            raise Invalid("its bytes are a key statement, but the store does not list it as one (its stored type was changed): "
                          "appends would not see it", seq)
        raise Invalid("the store lists it as a key statement, but its bytes are not one (its stored type was changed)", seq)


def check_key_table(db, v):
    """The derived `keys` table (section 6) must be what the key statements make: Blotter's appends
    refuse a ledger whose table disagrees, and a verifier names the key."""
    stored = {}
    for key_id, actor, spki, roles, registered, revoked in db.execute(
            "SELECT key_id, actor, spki, roles, registered_seq, revoked_seq FROM keys"):
        if registered < v.count:
            stored[key_id] = dict(actor=actor, roles=roles.split(",") if roles else [], registered=registered,
                                  revoked=revoked if revoked is not None and revoked < v.count else None,
                                  id=hashlib.sha256(bytes(spki)).hexdigest())
    for key_id in sorted(set(stored) | set(v.keys)):
        s, p = stored.get(key_id), v.keys.get(key_id)
        if p is None:
            raise Invalid("the stored key table differs from the log: key %s is in the table (registered to %s), "
                          "but no key statement of the log registers it" % (key_id, s["actor"]))
        if s is None:
            raise Invalid("the stored key table differs from the log: key %s of %s, registered at entry %d, is missing "
                          "from the table" % (key_id, p["actor"], p["registered"]), p["registered"])
        differences = [name for name in ("actor", "roles", "registered", "revoked") if s[name] != p[name]]
        if s["id"] != key_id:
            differences.append("public key")
        if differences:
            raise Invalid("the stored key table differs from the log: key %s of %s: %s in the table differ from the log"
                          % (key_id, p["actor"], ", ".join(differences)), p["registered"])


# ---------------------------------------------------------------- views (docs/FORMAT.md section 6.3)


def text_of(values, name):
    v = values.get(name)
    return v if isinstance(v, str) else None


def texts_of(values, name):
    v = values.get(name)
    return [x for x in v if isinstance(x, str)] if isinstance(v, list) else []


class Views:
    """The case, allegation, officer-history and roster views rebuilt from the entries and the disclosures
    held (section 6.3), to compare with the stored p_cases, p_allegations, p_officer_events, p_officers
    and p_officer_links."""

    CASE_COLUMNS = ("status", "opened_seq", "opened_at", "opened_by", "classification", "unit", "investigator",
                    "closed_seq", "closed_at", "reopened", "last_seq", "last_at", "version")
    ALLEGATION_COLUMNS = ("officer", "category", "subcategory", "added_seq", "added_at", "amended_seq", "recommended",
                          "recommended_seq", "recommended_at", "final", "final_seq", "final_at",
                          "recommended_penalty", "recommended_days", "recommended_detail")
    # The discipline recommended with a finding arrived with layout 4.
    RECOMMENDED_DISCIPLINE = ("recommended_penalty", "recommended_days", "recommended_detail")
    ROSTER_COLUMNS = ("seq", "name", "birth_year", "star", "unit", "rank", "appointed", "separated", "updated_seq")
    LINK_COLUMNS = ("officer_id", "system", "basis", "seq")

    def __init__(self):
        self.cases = {}        # case id -> dict of CASE_COLUMNS
        self.allegations = {}  # (case id, allegation id) -> dict of ALLEGATION_COLUMNS
        self.officer = {}      # (officer, seq, kind) -> (at, ref)
        self.roster = {}       # roster officer id -> dict of ROSTER_COLUMNS
        self.links = {}        # alias -> dict of LINK_COLUMNS (the links in force)

    def apply(self, seq, st, values):
        t, stream = st["type"], st["stream"]
        sid = stream.split("/", 1)[1] if "/" in stream else stream
        when = text_of(values, "occurred_at") or st["at"]  # the event time T
        if t == "complaint.received":
            cid = text_of(values, "complaint_id") or sid
            for officer in texts_of(values, "officers"):
                self.officer[(officer, seq, "complaint")] = (text_of(values, "incident_at") or st["at"], "complaint/" + cid)
        elif t == "case.opened":
            self.cases[sid] = dict(status="open", opened_seq=seq, opened_at=when, opened_by=st["actor"],
                                   classification=text_of(values, "classification"), unit=text_of(values, "unit"),
                                   investigator=None, closed_seq=None, closed_at=None, reopened=0, last_seq=seq,
                                   last_at=when, version=1)
        elif t == "case.assigned":
            if sid in self.cases:
                self.cases[sid]["investigator"] = text_of(values, "investigator")
        elif t == "case.allegation.added":
            aid = text_of(values, "allegation_id") or ""
            officer = text_of(values, "officer")
            self.allegations[(sid, aid)] = dict(officer=officer, category=text_of(values, "category"),
                                                subcategory=text_of(values, "subcategory"), added_seq=seq, added_at=when,
                                                amended_seq=None, recommended=None, recommended_seq=None, recommended_at=None,
                                                final=None, final_seq=None, final_at=None, recommended_penalty=None,
                                                recommended_days=None, recommended_detail=None)
            if officer is not None:
                self.officer[(officer, seq, "allegation")] = (when, "case/%s#%s" % (sid, aid))
        elif t == "case.allegation.amended":
            a = self.allegations.get((sid, text_of(values, "allegation_id") or ""))
            if a is not None:
                old = a["officer"]
                for name in ("officer", "category", "subcategory"):
                    if text_of(values, name) is not None:
                        a[name] = text_of(values, name)
                a["amended_seq"] = seq
                ref = self.officer.pop((old, a["added_seq"], "allegation"), None)
                if ref is not None:
                    self.officer[(a["officer"], a["added_seq"], "allegation")] = ref
        elif t in ("case.finding.recorded", "case.finding.approved"):
            a = self.allegations.get((sid, text_of(values, "allegation_id") or ""))
            if a is not None:
                which = "final" if t == "case.finding.approved" else "recommended"
                a[which] = text_of(values, "finding")
                a[which + "_seq"] = seq
                a[which + "_at"] = when
                if which == "recommended":  # a recommendation replaces the last one whole
                    a["recommended_penalty"] = text_of(values, "recommended_penalty")
                    days = values.get("recommended_days")
                    a["recommended_days"] = days if isinstance(days, int) and not isinstance(days, bool) else None
                    a["recommended_detail"] = text_of(values, "recommended_detail")
        elif t in ("case.discipline.imposed", "case.discipline.modified"):
            aid = text_of(values, "allegation_id") or ""
            a = self.allegations.get((sid, aid))
            if a is not None and a["officer"] is not None:
                self.officer[(a["officer"], seq, "discipline")] = (when, "case/%s#%s" % (sid, aid))
        elif t == "case.closed":
            if sid in self.cases:
                self.cases[sid].update(status="closed", closed_seq=seq, closed_at=when)
        elif t == "case.reopened":
            if sid in self.cases:
                c = self.cases[sid]
                c.update(status="open", closed_seq=None, closed_at=None, reopened=c["reopened"] + 1)
        elif t == "use_of_force.reported":
            officer = text_of(values, "officer")
            if officer is not None:
                self.officer[(officer, seq, "use_of_force")] = (text_of(values, "incident_at") or st["at"], "uof/" + sid)
        elif t in ("officer.registered", "officer.updated"):
            given = {n: values.get(n) for n in self.ROSTER_COLUMNS[1:-1]
                     if isinstance(values.get(n), str) or (isinstance(values.get(n), int) and not isinstance(values.get(n), bool))}
            if t == "officer.registered":
                self.roster[sid] = dict({n: None for n in self.ROSTER_COLUMNS}, seq=seq, **given)
            elif sid in self.roster:
                self.roster[sid].update(given, updated_seq=seq)
        elif t == "officer.linked":
            self.links[text_of(values, "alias") or ""] = dict(officer_id=sid, system=text_of(values, "system"),
                                                             basis=text_of(values, "basis"), seq=seq)
        elif t == "officer.unlinked":
            self.links.pop(text_of(values, "alias") or "", None)
        if stream.startswith("case/") and (t.startswith("case.") or t == "oversight.review.recorded") and sid in self.cases:
            c = self.cases[sid]
            c["last_seq"] = seq
            c["last_at"] = when
            if t != "case.opened":
                c["version"] += 1

    def check(self, db):
        """Compares with the stored tables; raises Invalid naming the first table and row that differ."""
        def shown(v):
            return "null" if v is None else ("'%s'" % v if isinstance(v, str) else str(v))

        def compare(table, key_names, columns, expected, stored_rows):
            stored = {}
            for row in stored_rows:
                stored[tuple(row[:len(key_names)])] = dict(zip(columns, row[len(key_names):]))
            for key in sorted(set(stored) | set(expected), key=lambda k: tuple(str(x) for x in k)):
                label = ", ".join("%s = %s" % (n, shown(v)) for n, v in zip(key_names, key))
                if key not in expected:
                    raise Invalid("view %s, row %s: no entry makes this row" % (table, label))
                if key not in stored:
                    raise Invalid("view %s, row %s is missing: the log makes it" % (table, label))
                changed = ["%s is %s, the log gives %s" % (c, shown(stored[key][c]), shown(expected[key][c]))
                           for c in columns if stored[key][c] != expected[key][c]]
                if changed:
                    raise Invalid("view %s, row %s: %s" % (table, label, "; ".join(changed)))

        compare("p_cases", ("case_id",), self.CASE_COLUMNS, {(k,): v for k, v in self.cases.items()},
                db.execute("SELECT case_id, %s FROM p_cases" % ", ".join(self.CASE_COLUMNS)).fetchall())
        # Views of layout 1 (before event times) have no allegation times; the rest means the same there.
        layout = views_layout(db)
        allegation_columns = tuple(c for c in self.ALLEGATION_COLUMNS
                                   if (layout >= 2 or not c.endswith("_at")) and (layout >= 4 or c not in self.RECOMMENDED_DISCIPLINE))
        compare("p_allegations", ("case_id", "allegation_id"), allegation_columns, self.allegations,
                db.execute("SELECT case_id, allegation_id, %s FROM p_allegations" % ", ".join(allegation_columns)).fetchall())
        compare("p_officer_events", ("officer", "seq", "kind"), ("at", "ref"),
                {k: {"at": v[0], "ref": v[1]} for k, v in self.officer.items()},
                db.execute("SELECT officer, seq, kind, at, ref FROM p_officer_events").fetchall())
        # The roster arrived with layout 3.
        if views_layout(db) >= 3:
            compare("p_officers", ("officer_id",), self.ROSTER_COLUMNS, {(k,): v for k, v in self.roster.items()},
                    db.execute("SELECT officer_id, %s FROM p_officers" % ", ".join(self.ROSTER_COLUMNS)).fetchall())
            compare("p_officer_links", ("alias",), self.LINK_COLUMNS, {(k,): v for k, v in self.links.items()},
                    db.execute("SELECT alias, %s FROM p_officer_links" % ", ".join(self.LINK_COLUMNS)).fetchall())
        return len(self.cases) + len(self.allegations) + len(self.officer) + len(self.roster) + len(self.links)


def has_table(db, name):
    if isinstance(db, PostgresLedger):
        return db.execute("SELECT to_regclass(?::text) IS NOT NULL", (name,)).fetchone()[0]
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def views_layout(db):
    """The layout version of the stored views (p_layout; 1 for views made before it existed)."""
    return db.execute("SELECT MAX(version) FROM p_layout").fetchone()[0] if has_table(db, "p_layout") else 1


def has_views(db):
    return has_table(db, "p_cases")


# ---------------------------------------------------------------- notes, checkpoints, proofs


def parse_vkey(text):
    """name+hexkeyid+base64(type||key) for types 0x01 (note signature) and 0x04 (cosignature/v1)."""
    parts = text.split("+", 2)
    raw = b64std_decode(parts[2]) if len(parts) == 3 else None
    if raw is None or len(raw) != 33 or raw[0] not in (1, 4) or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
        raise Invalid("not a verifier key: %s" % text)
    if hashlib.sha256(parts[0].encode() + b"\n" + raw).digest()[:4].hex() != parts[1]:
        raise Invalid("verifier key id does not match: %s" % text)
    return {"name": parts[0], "id": bytes.fromhex(parts[1]), "type": raw[0],
            "key": ed25519.Ed25519PublicKey.from_public_bytes(raw[1:]), "text": text}


def open_note(note, keys):
    """C2SP signed-note: returns (text, [keys that signed]); a failing known signature rejects."""
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n") or any(ord(c) < 0x20 and c != "\n" for c in note):
        raise Invalid("not a signed note")
    text, signed = note[:split + 1], []
    for line in note[split + 2:-1].split("\n"):
        parts = line.split(" ")
        raw = b64std_decode(parts[2]) if len(parts) == 3 and parts[0] == "\u2014" else None
        if raw is None or len(raw) <= 4:
            raise Invalid("malformed signature line")
        for k in keys:
            if k["name"] != parts[1] or k["id"] != raw[:4]:
                continue
            try:
                if k["type"] == 1:
                    k["key"].verify(raw[4:], text.encode())
                else:
                    if len(raw) != 4 + 8 + 64:
                        raise InvalidSignature()
                    ts = int.from_bytes(raw[4:12], "big")
                    if ts >= 2 ** 63:
                        raise InvalidSignature()
                    k["key"].verify(raw[12:], ("cosignature/v1\ntime %d\n" % ts).encode() + text.encode())
            except InvalidSignature:
                raise Invalid("the signature of %s does not verify" % k["name"])
            if k not in signed:
                signed.append(k)
    return text, signed


def parse_checkpoint(text):
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not ORIGIN.fullmatch(lines[0]) or not re.fullmatch(r"0|[1-9][0-9]*", lines[1]) \
            or any(l == "" for l in lines[3:]):
        raise Invalid("not a checkpoint: origin, size and root lines expected")
    root = b64std_decode(lines[2])
    if root is None or len(root) != 32:
        raise Invalid("checkpoint root is not base64 of 32 bytes")
    return lines[0], int(lines[1]), root


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(index, size, leaf, proof, root):
    """RFC 9162 section 2.1.3.2."""
    if not 0 <= index < size:
        raise Invalid("leaf index %d is not below tree size %d" % (index, size))
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise Invalid("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0 or r != root:
        raise Invalid("inclusion proof does not lead to the root")


def verify_consistency(size1, size2, proof, root1, root2):
    """RFC 9162 section 2.1.4.2."""
    if not 0 < size1 <= size2:
        raise Invalid("sizes must satisfy 0 < old <= new")
    if size1 == size2:
        if proof or root1 != root2:
            raise Invalid("equal sizes need equal roots and an empty proof")
        return
    if not proof:
        raise Invalid("consistency proof is empty")
    path = ([root1] if size1 & (size1 - 1) == 0 else []) + proof
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise Invalid("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0 or fr != root1 or sr != root2:
        raise Invalid("consistency proof does not lead to the two roots")


def checkpoint_command(args):
    keys = [parse_vkey(k) for k in args.key]
    witnesses = [parse_vkey(k) for k in args.witness]
    text, signed = open_note(open(args.file, encoding="utf-8").read(), keys + witnesses)
    origin, size, root = parse_checkpoint(text)
    if not any(k in signed and k["name"] == origin for k in keys):
        raise Invalid("not signed by a given log key named %s" % origin)
    cosigned = [w for w in witnesses if w in signed]
    quorum = len(witnesses) if args.quorum is None else args.quorum
    if len(cosigned) < quorum:
        raise Invalid("%d of %d witnesses cosigned; the quorum is %d" % (len(cosigned), len(witnesses), quorum))
    return {"ok": True, "origin": origin, "size": size, "root": base64.b64encode(root).decode(),
            "cosigned_by": [w["text"] for w in cosigned]}


def proof_command(args):
    p = json.load(open(args.file))
    h = lambda s: b64std_decode(s) if isinstance(s, str) else None
    hashes = [h(x) for x in p.get("proof", [])]
    if any(x is None or len(x) != 32 for x in hashes):
        raise Invalid("proof hashes must be base64 of 32 bytes")
    if "index" in p:
        size, root = p["tree_size"], h(p["root_hash"])
        verify_inclusion(p["index"], size, h(p["leaf_hash"]), hashes, root)
    else:
        size, root = p["new_size"], h(p["new_root"])
        verify_consistency(p["old_size"], size, hashes, h(p["old_root"]), root)
    if args.checkpoint:
        text, signed = open_note(open(args.checkpoint, encoding="utf-8").read(), [parse_vkey(k) for k in args.key])
        origin, cp_size, cp_root = parse_checkpoint(text)
        if not signed:
            raise Invalid("the checkpoint is not signed by a given key")
        if (cp_size, cp_root) != (size, root):
            raise Invalid("the proof is for size %d and another root than the checkpoint (size %d)" % (size, cp_size))
    return {"ok": True}


def tile_path(n):
    groups = []
    while True:
        groups.insert(0, "%03d" % (n % 1000))
        n //= 1000
        if n == 0:
            break
    return "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])


def mth(hashes):
    """Merkle Tree Hash over a list of subtree hashes whose count is a power of two."""
    while len(hashes) > 1:
        hashes = [node(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
    return hashes[0]


def tiles_command(args):
    """A tlog-tiles client: everything a mirror serves must agree with its signed checkpoint."""
    import os
    keys = [parse_vkey(k) for k in args.key]
    text, signed = open_note(open(os.path.join(args.file, "checkpoint"), encoding="utf-8").read(), keys)
    origin, size, root = parse_checkpoint(text)
    if not any(k["name"] == origin for k in signed):
        raise Invalid("the mirror's checkpoint is not signed by a given log key")

    def read_tile(kind, n, count):
        name = "tile/%s/%s" % (kind, tile_path(n)) + ("" if count == 256 else ".p/%d" % count)
        try:
            return open(os.path.join(args.file, name), "rb").read(), name
        except OSError:
            raise Invalid("the mirror lacks %s" % name)

    levels, level = [], 0
    while size >> (8 * level):
        count, hashes = size >> (8 * level), []
        for n in range((count + 255) // 256):
            width = min(256, count - n * 256)
            data, name = read_tile(str(level), n, width)
            if len(data) != 32 * width:
                raise Invalid("%s is %d bytes, not %d" % (name, len(data), 32 * width))
            hashes += [data[i:i + 32] for i in range(0, len(data), 32)]
        levels.append(hashes)
        level += 1
    for lv in range(1, len(levels)):
        for m, h in enumerate(levels[lv]):
            if mth(levels[lv - 1][m * 256:(m + 1) * 256]) != h:
                raise Invalid("tile level %d hash %d is not the hash of the 256 below it" % (lv, m))
    for n in range((size + 255) // 256):
        width = min(256, size - n * 256)
        data, name = read_tile("entries", n, width)
        offset, i = 0, 0
        while offset < len(data):
            length = int.from_bytes(data[offset:offset + 2], "big")
            entry = data[offset + 2:offset + 2 + length]
            if len(entry) != length or i >= width:
                raise Invalid("%s is malformed" % name)
            if hashlib.sha256(b"\x00" + entry).digest() != levels[0][n * 256 + i]:
                raise Invalid("entry %d in %s does not hash to its leaf" % (n * 256 + i, name))
            offset += 2 + length
            i += 1
        if i != width:
            raise Invalid("%s holds %d entries, not %d" % (name, i, width))
    frontier = Frontier()
    for leaf in levels[0] if levels else []:
        frontier.append(leaf)
    if frontier.root() != root:
        raise Invalid("the tiles' root is not the checkpoint's")
    return {"ok": True, "origin": origin, "size": size, "root": base64.b64encode(root).decode()}


def tlog_proof_command(args):
    text = open(args.file, encoding="utf-8").read()
    head, sep, note = text.partition("\n\n")
    lines = head.split("\n")
    if not sep or lines[0] != "c2sp.org/tlog-proof@v1":
        raise Invalid("not a c2sp.org/tlog-proof@v1")
    lines = lines[1:]
    if lines and lines[0].startswith("extra "):
        lines = lines[1:]
    if not lines or not re.fullmatch(r"index (0|[1-9][0-9]*)", lines[0]):
        raise Invalid("tlog-proof needs an index line")
    index = int(lines[0][6:])
    proof = [b64std_decode(l) for l in lines[1:]]
    if any(h is None or len(h) != 32 for h in proof):
        raise Invalid("tlog-proof hashes must be base64 of 32 bytes")
    body, signed = open_note(note, [parse_vkey(k) for k in args.key])
    origin, size, root = parse_checkpoint(body)
    if not any(k["name"] == origin for k in signed):
        raise Invalid("the checkpoint is not signed by a given log key")
    entry = open(args.entry, "rb").read()
    verify_inclusion(index, size, hashlib.sha256(b"\x00" + entry).digest(), proof, root)
    return {"ok": True, "index": index, "size": size}


def tool_main(argv):
    parser = argparse.ArgumentParser(prog="verify_ledger.py " + argv[0])
    parser.add_argument("file")
    parser.add_argument("--key", action="append", default=[])
    if argv[0] == "checkpoint":
        parser.add_argument("--witness", action="append", default=[])
        parser.add_argument("--quorum", type=int)
    elif argv[0] == "proof":
        parser.add_argument("--checkpoint")
    elif argv[0] == "tlog-proof":
        parser.add_argument("--entry", required=True)
    args = parser.parse_args(argv[1:])
    try:
        command = {"checkpoint": checkpoint_command, "proof": proof_command, "tiles": tiles_command,
                   "tlog-proof": tlog_proof_command}[argv[0]]
        result = command(args)
    except Invalid as e:
        print(json.dumps({"ok": False, "error": e.message}))
        return 1
    except (OSError, ValueError, KeyError, TypeError) as e:
        print("verify_ledger: %s" % e, file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


def main():
    if len(sys.argv) > 1 and sys.argv[1] in ("checkpoint", "proof", "tiles", "tlog-proof"):
        return tool_main(sys.argv[1:])
    parser = argparse.ArgumentParser(description="Independent verifier for Blotter ledgers (docs/FORMAT.md).")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("ledger")
    args = parser.parse_args()
    try:
        v = verify(args.ledger)
    except Invalid as e:
        if args.json:
            print(json.dumps({"ok": False, "seq": e.seq, "error": e.message}))
        else:
            print("FAILED: entry %s: %s" % (e.seq, e.message) if e.seq is not None else "FAILED: %s" % e.message)
        return 1
    except OSError as e:
        print("verify_ledger: %s" % e, file=sys.stderr)
        return 2
    revoked = sum(1 for k in v.keys.values() if k["revoked"] is not None)
    if args.json:
        print(json.dumps({"ok": True, "entries": v.count, "keys": len(v.keys), "revoked_keys": revoked,
                          "streams": len(v.streams), "disclosures": v.disclosures, "withheld": v.withheld, "head": v.prev,
                          "root": base64.b64encode(v.tree.root()).decode(), "view_rows": v.view_rows}))
    else:
        print("ok: %d entries, %d keys (%d revoked), %d streams, %d disclosures checked, %d not held; head %s; tree root %s"
              % (v.count, len(v.keys), revoked, len(v.streams), v.disclosures, v.withheld, v.prev,
                 base64.b64encode(v.tree.root()).decode()))
        if v.view_rows is not None:
            print("views: %d rows of cases, allegations, officer histories and the roster equal to a rebuild from the log" % v.view_rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
