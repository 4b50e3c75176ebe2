#!/usr/bin/env python3
"""Independent verifier for Blotter disclosure bundles (`blotter export`).

Written from docs/FORMAT.md section 10; shares no code with the Swift implementation. It uses the
entry, disclosure, key and note rules of verify_ledger.py (the independent ledger verifier, in the
same directory). Checks: every file's SHA-256 against manifest.json; the checkpoint's signature by
the log's verifier key; for every carried entry its inclusion proof to the checkpoint, its canonical
form, its disclosures against their digests, its signer key (registered before, to that actor, not
revoked), role and signature; every record of every dataset, CSV and JSON Lines, against its proof
record: the entry it is, and each proved value against the disclosure it is or is derived from; and
publication.json, the disclosure.published entry holding the manifest's digest.

Usage: verify_export.py [--json] DIR --key VKEY     (VKEY: origin+keyid+base64, or a file holding it)
Exit status: 0 if the bundle verifies, 1 if it does not (every problem is listed with its place),
2 if it cannot be read. Needs: Python 3.9+, cryptography, rfc8785.
"""

import argparse
import base64
import csv
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# verify_ledger exits 3, naming the package, if cryptography or rfc8785 is missing.
from verify_ledger import (SIGNING_PREFIX, Invalid, Verifier, b64std_decode, b64url_decode, open_note,  # noqa: E402
                           parse_checkpoint, parse_disclosure, parse_entry, parse_vkey, signature_ok,
                           verify_consistency, verify_inclusion)
import rfc8785  # noqa: E402

FORMAT = "blotter-disclosure-export/v1"
MAX_PROBLEMS = 100


class Bundle:
    def __init__(self, directory, vkey):
        self.dir = directory
        self.vkey = vkey
        self.problems = []
        self.records = 0
        self.proved = 0
        self.unproved = 0
        self.publication = None

    def problem(self, place, message):
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append((place, message))

    def read(self, name):
        with open(os.path.join(self.dir, name), "rb") as f:
            return f.read()

    def lines(self, name):
        return [line for line in self.read(name).split(b"\n") if line]

    # ------------------------------------------------------------ entries

    def entries(self, lines, place_name, size, root, origin):
        """Checks entry lines against the tree (size, root); returns seq -> (statement, values)."""
        parsed = []
        for i, line in enumerate(lines):
            place = "%s line %d" % (place_name, i + 1)
            try:
                item = json.loads(line)
                seq, raw = item["seq"], b64std_decode(item["entry"])
                if raw is None:
                    raise Invalid("entry is not base64 of the entry bytes")
                place = "%s (entry %d)" % (place, seq)
                leaf = hashlib.sha256(b"\x00" + raw).digest()
                verify_inclusion(seq, size, leaf, [base64.b64decode(h) for h in item["proof"]], root)
                entry = parse_entry(raw)
                if entry["seq"] != seq:
                    raise Invalid("the entry bytes say seq %d" % entry["seq"])
                st = entry["statement"]
                if st["log"] != origin:
                    raise Invalid("statement is for log %s, not %s" % (st["log"], origin))
                values = {}
                for field, text in item.get("disclosures", {}).items():
                    name, value, digest = parse_disclosure(text)
                    if name != field or st["fields"].get(field) != digest:
                        self.problem("%s field %s" % (place, field), "disclosure does not match the digest the statement commits")
                        continue
                    values[field] = value
                parsed.append((seq, st, values, place))
            except Invalid as e:
                self.problem(place, e.message)
            except (ValueError, KeyError, TypeError) as e:
                self.problem(place, "not a valid entry record: %s" % e)
        parsed.sort(key=lambda p: p[0])
        # Keys and roles, in log order, with the ledger verifier's rules. A bundle holds only some
        # entries of each stream, so `expect` is taken as given.
        v = Verifier()
        out = {}
        for seq, st, values, place in parsed:
            def need(name, st=st, values=values):
                if name not in values:
                    raise Invalid("%s needs the disclosure of field %s" % (st["type"], name))
                return values[name]
            need.values = values
            try:
                if seq == 0:
                    signer = v.genesis(st, need)
                    if v.operator_key[2].public_bytes_raw() != self.vkey["key"].public_bytes_raw():
                        raise Invalid("the ledger's operator key is not the key given")
                elif v.origin is None:
                    raise Invalid("the bundle carries no genesis entry (entry 0) before this one")
                else:
                    v.streams[st["stream"]] = st["expect"] if st["expect"] is not None else 0
                    signer = v.ordinary(seq, st, need)
                message = SIGNING_PREFIX + rfc8785.dumps({k: x for k, x in st.items() if k != "sig"})
                if not signature_ok(signer["key"], st["alg"], b64url_decode(st["sig"]), message):
                    raise Invalid("the signature of %s does not verify" % st["actor"])
                out[seq] = (st, values)
            except Invalid as e:
                self.problem(place, e.message)
        return out

    # ------------------------------------------------------------ values

    @staticmethod
    def cell(v):
        """The CSV text of a value (FORMAT.md 10.3)."""
        if v is None:
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, str)):
            return str(v)
        if isinstance(v, list) and all(isinstance(x, (str, int, bool)) for x in v):
            return "; ".join(Bundle.cell(x) for x in v)
        return rfc8785.dumps(v).decode()

    @staticmethod
    def range_label(n, bounds):
        if n < bounds[0]:
            return "under %d" % bounds[0]
        for low, nxt in zip(bounds, bounds[1:]):
            if low <= n < nxt:
                return "%d-%d" % (low, nxt - 1)
        return "%d+" % bounds[-1]

    @staticmethod
    def derive(t, value):
        kind = t.get("as")
        if kind == "exact":
            return value
        if kind in ("month", "year") and isinstance(value, str):
            return value[:7] if kind == "month" else value[:4]
        if kind == "count" and isinstance(value, list):
            return len(value)
        if kind == "range" and isinstance(value, int) and not isinstance(value, bool):
            return Bundle.range_label(value, t.get("ranges", []))
        if kind == "map":
            return t.get("map", {}).get(Bundle.cell(value), t.get("default"))
        return None

    def dataset(self, d, carried, expected):
        name, base_type = d["name"], d["from"]
        columns = d["columns"]
        csv_name, jsonl_name, proofs_name = "data/%s.csv" % name, "data/%s.jsonl" % name, "proofs/%s.jsonl" % name
        with open(os.path.join(self.dir, csv_name), newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        header = [c["name"] for c in columns]
        if not rows or rows[0] != header:
            self.problem(csv_name, "header is not the dictionary's columns %s" % ",".join(header))
        rows = rows[1:]
        jsonl = self.lines(jsonl_name)
        proofs = self.lines(proofs_name)
        if expected is not None and expected != len(proofs):
            self.problem(proofs_name, "%d records, the manifest says %d" % (len(proofs), expected))
        if len(rows) != len(proofs):
            self.problem(csv_name, "%d records, but %s has %d" % (len(rows), proofs_name, len(proofs)))
        if len(jsonl) != len(proofs):
            self.problem(jsonl_name, "%d records, but %s has %d" % (len(jsonl), proofs_name, len(proofs)))
        for i, row in enumerate(rows):
            place = "%s row %d" % (csv_name, i + 1)
            if i >= len(proofs):
                self.problem(place, "no proof for this record in %s" % proofs_name)
                continue
            proof = json.loads(proofs[i])
            record = json.loads(jsonl[i]) if i < len(jsonl) else {}
            seq = proof.get("entry")
            self.records += 1
            if not row or row[0] != str(seq):
                self.problem(place, "is entry %s, but its proof is for entry %s" % (row[0] if row else "?", seq))
                continue
            if record.get("entry") != seq:
                self.problem("%s line %d" % (jsonl_name, i + 1), "is entry %s, its proof is for entry %s" % (record.get("entry"), seq))
            if seq not in carried:
                self.problem(place, "entry %s is not in proofs/entries.jsonl (or failed its checks)" % seq)
                continue
            base = carried[seq][0]
            if base["type"] != base_type:
                self.problem(place, "entry %d is a %s, the dataset holds %s" % (seq, base["type"], base_type))
            for k, column in enumerate(columns[1:], start=1):
                cname = column["name"]
                cplace = "%s (entry %d) column %s" % (place, seq, cname)
                text = row[k] if k < len(row) else ""
                jvalue = record.get(cname)
                source = proof.get("values", {}).get(cname)
                if source is None:
                    if text != "" or jvalue is not None:
                        self.problem(cplace, "a value is published with no source in %s" % proofs_name)
                    continue
                treatments = [column] + ([column["otherwise"]] if "otherwise" in column else [])
                t = next((x for x in treatments if x.get("as") == source.get("as")), None)
                if t is None:
                    self.problem(cplace, "derived %s, which the dictionary does not allow" % source.get("as"))
                    continue
                if self.cell(jvalue) != text:
                    self.problem(cplace, "CSV has %r, JSON Lines has %r" % (text, self.cell(jvalue)))
                if source.get("proof") is not True:
                    if t.get("proof") != "none":
                        self.problem(cplace, "published without proof, but the dictionary says it is proved")
                    self.unproved += 1
                    continue
                src = carried.get(source.get("entry"))
                if src is None:
                    self.problem(cplace, "its source entry %s is not in proofs/entries.jsonl" % source.get("entry"))
                    continue
                st, values = src
                if st["type"] not in t.get("from", []) or source.get("field") != t.get("field"):
                    self.problem(cplace, "comes from %s.%s, which the dictionary does not name" % (st["type"], source.get("field")))
                    continue
                if st["stream"] != base["stream"] and st["type"] != "complaint.received":
                    self.problem(cplace, "comes from stream %s, not the record's %s" % (st["stream"], base["stream"]))
                    continue
                if t["field"] not in values:
                    self.problem(cplace, "entry %d carries no disclosure of %s" % (source["entry"], t["field"]))
                    continue
                expected_value = self.derive(t, values[t["field"]])
                if expected_value != jvalue or self.cell(expected_value) != text or type(expected_value) is not type(jvalue):
                    self.problem(cplace, "published %r, but the disclosure of %s in entry %d gives %r"
                                 % (text, t["field"], source["entry"], self.cell(expected_value)))
                else:
                    self.proved += 1

    # ------------------------------------------------------------ the whole bundle

    def verify(self):
        manifest = json.loads(self.read("manifest.json"))
        if manifest.get("format") != FORMAT:
            raise Invalid("manifest.json: format is not %s" % FORMAT)
        listed = manifest.get("files", {})
        for name, digest in listed.items():
            path = os.path.join(self.dir, name)
            if not os.path.isfile(path):
                self.problem(name, "listed in the manifest but missing")
            elif hashlib.sha256(self.read(name)).hexdigest() != digest:
                self.problem(name, "SHA-256 is %s, the manifest says %s" % (hashlib.sha256(self.read(name)).hexdigest(), digest))
        for root_dir, _, files in os.walk(self.dir):
            for f in files:
                rel = os.path.relpath(os.path.join(root_dir, f), self.dir).replace(os.sep, "/")
                if rel not in listed and rel not in ("manifest.json", "publication.json"):
                    self.problem(rel, "not listed in the manifest")
        if hashlib.sha256(self.read("policy.json")).hexdigest() != manifest.get("policy_sha256"):
            self.problem("policy.json", "its SHA-256 is not the manifest's policy_sha256")
        try:
            text, signers = open_note(self.read("checkpoint").decode(), [self.vkey])
            if self.vkey not in signers:
                raise Invalid("not signed by the key given")
            origin, size, root = parse_checkpoint(text)
        except Invalid as e:
            raise Invalid("checkpoint: %s" % e.message)
        if manifest.get("checkpoint") != {"size": size, "root": base64.b64encode(root).decode()}:
            self.problem("manifest.json", "checkpoint size/root differ from the checkpoint file")
        self.size = size
        carried = self.entries(self.lines("proofs/entries.jsonl"), "proofs/entries.jsonl", size, root, origin)
        self.entry_count = len(carried)
        dictionary = json.loads(self.read("dictionary.json"))
        counts = {d["name"]: d["records"] for d in manifest.get("datasets", [])}
        for d in dictionary["datasets"]:
            self.dataset(d, carried, counts.get(d["name"]))
        if os.path.isfile(os.path.join(self.dir, "publication.json")):
            self.check_publication(manifest, size, root)

    def check_publication(self, manifest, size, root):
        p = json.loads(self.read("publication.json"))
        try:
            text, signers = open_note(p["checkpoint"], [self.vkey])
            if self.vkey not in signers:
                raise Invalid("not signed by the key given")
            origin, size2, root2 = parse_checkpoint(text)
            verify_consistency(size, size2, [base64.b64decode(h) for h in p["consistency"]], root, root2)
        except Invalid as e:
            self.problem("publication.json", "checkpoint: %s" % e.message)
            return
        lines = [json.dumps(e).encode() for e in p["entries"]]
        carried = self.entries(lines, "publication.json entries", size2, root2, origin)
        entry = carried.get(p["entry"])
        if entry is None or entry[0]["type"] != "disclosure.published":
            self.problem("publication.json", "does not carry a verified disclosure.published entry")
            return
        values = entry[1]
        digest = hashlib.sha256(self.read("manifest.json")).hexdigest()
        if values.get("manifest_sha256") != digest:
            self.problem("publication.json", "entry %d records manifest %s, manifest.json has SHA-256 %s"
                         % (p["entry"], values.get("manifest_sha256"), digest))
        if values.get("policy_sha256") != manifest.get("policy_sha256") or values.get("checkpoint_size") != size:
            self.problem("publication.json", "entry %d records another policy or checkpoint" % p["entry"])
        self.publication = p["entry"]


def main():
    parser = argparse.ArgumentParser(description="Independent verifier for Blotter disclosure bundles (docs/FORMAT.md section 10).")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--key", required=True, help="the log's checkpoint verifier key, or a file holding it")
    parser.add_argument("directory")
    args = parser.parse_args()
    key_text = open(args.key).read().strip() if os.path.isfile(args.key) else args.key
    try:
        b = Bundle(args.directory, parse_vkey(key_text))
    except Invalid as e:
        print("verify_export: --key: %s" % e.message, file=sys.stderr)
        return 2
    try:
        b.verify()
    except Invalid as e:
        b.problem("bundle", e.message)
    except (OSError, ValueError, KeyError, TypeError) as e:
        print("verify_export: %s" % e, file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"ok": not b.problems, "records": b.records, "proved_values": b.proved, "unproved_values": b.unproved,
                          "publication": b.publication, "problems": [{"place": p, "message": m} for p, m in b.problems]}))
    elif b.problems:
        for place, message in b.problems:
            print("%s: %s" % (place, message))
        print("FAILED: %d problem(s)" % len(b.problems))
    else:
        print("ok: %d records, %d entries verified against the checkpoint at size %d; %d values match their disclosures, "
              "%d generalised without proof; publication %s"
              % (b.records, b.entry_count, b.size, b.proved, b.unproved,
                 "recorded at entry %d" % b.publication if b.publication is not None else "not proved (no publication.json)"))
    return 1 if b.problems else 0


if __name__ == "__main__":
    sys.exit(main())
