#!/usr/bin/env bash
# Fuzzes every decoder of outside input with libFuzzer (Fuzz/BlotterFuzz/Harnesses.swift).
#
#   bash Tools/fuzz.sh [SECONDS] [TARGET...]     default: 60 s for each of every target
#
# Builds blotter-fuzz with -sanitize=fuzzer,address into .build/fuzz (apart from the normal build),
# seeds each target's corpus from the repository (the fixture ledger's entries, statements,
# submissions and disclosures, its checkpoint and key, the schemas, role table, mappings, policies,
# the JCS vectors and the public data files), runs each for SECONDS and prints executions and
# crashes per target. A crash leaves its input in .build/fuzz/crashes/TARGET-*; copy it to
# Tests/BlotterTests/Fixtures/fuzz/TARGET/ with the fix, so the test suite replays it forever.
# Exits 1 if any target crashed. CI runs it for a few seconds a target; run it for hours by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(json statement submission entry disclosure csv jsonl note checkpoint note-key tlog-proof consistency-proof roles schema mapping policy)
fi

work=.build/fuzz
swift build --product blotter-fuzz --build-path "$work" -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING 2>&1 | grep -v "warning: Cannot export local symbol" | tail -3
bin="$work/debug/blotter-fuzz"
[ -x "$bin" ] || { echo "fuzz.sh: $bin was not built" >&2; exit 2; }

seeds="$work/seeds"
rm -rf "$seeds"
mkdir -p "$seeds" "$work/crashes"
for t in "${targets[@]}"; do mkdir -p "$seeds/$t" "$work/corpus/$t"; done
fixtures=Tests/BlotterTests/Fixtures

# Entries, statements, submissions and disclosures from the fixture ledger; its checkpoint and key.
python3 - "$fixtures/ledger-fa7b619/old.ledger" "$seeds" <<'PY'
import json, os, sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
out = sys.argv[2]
def put(target, name, data):
    if os.path.isdir(os.path.join(out, target)):
        with open(os.path.join(out, target, name), "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
for seq, raw in db.execute("SELECT seq, bytes FROM entries WHERE seq < 40 ORDER BY seq"):
    raw = bytes(raw)
    put("entry", "e%d" % seq, raw)
    statement = json.loads(raw)["statement"]
    put("statement", "s%d" % seq, json.dumps(statement))
    disclosures = [d for (d,) in db.execute("SELECT disclosure FROM disclosures WHERE seq = ?", (seq,))]
    put("submission", "u%d" % seq, json.dumps({"statement": statement, "disclosures": disclosures}))
    for i, d in enumerate(d for d in disclosures if len(d) < 4000):
        if i < 3:
            put("disclosure", "d%d-%d" % (seq, i), d)
    put("jsonl", "l%d" % seq, "\n".join(json.dumps({"seq": seq, "type": statement["type"], "fields": list(statement["fields"])}) for _ in range(2)) + "\n")
PY
cp "$fixtures/ledger-fa7b619/cp.txt" "$seeds/note/" 2>/dev/null || true
[ -d "$seeds/checkpoint" ] && sed '/^$/,$d' "$fixtures/ledger-fa7b619/cp.txt" > "$seeds/checkpoint/cp" || true
cp "$fixtures/ledger-fa7b619/vkey.txt" "$seeds/note-key/" 2>/dev/null || true
cp "$fixtures"/jcs/input/*.json "$seeds/json/" 2>/dev/null || true
cp Schemas/events/case.opened.v1.json Schemas/events/use_of_force.reported.v1.json "$seeds/schema/" 2>/dev/null || true
cp Schemas/roles.json "$seeds/roles/" 2>/dev/null || true
cp Tools/mappings/*.json "$seeds/mapping/" 2>/dev/null || true
cp Tools/policies/*.json "$seeds/policy/" 2>/dev/null || true
data=${BLOTTER_DATA:-../shared/data}
if [ -d "$seeds/csv" ] && [ -d "$data" ]; then
    for f in "$data"/*.csv; do head -c 4000 "$f" > "$seeds/csv/$(basename "$f")"; done
fi
[ -d "$seeds/consistency-proof" ] && echo '{"old_size":1,"new_size":2,"old_root":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","new_root":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","proof":[]}' > "$seeds/consistency-proof/p" || true
[ -d "$seeds/tlog-proof" ] && printf 'c2sp.org/tlog-proof@v1\nindex 1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n' > "$seeds/tlog-proof/p" || true

failed=0
printf '%-18s %12s %8s %8s\n' target executions exec/s crashes
for t in "${targets[@]}"; do
    log="$work/$t.log"
    rm -f "$work/crashes/$t-"*
    set +e
    LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp:print_suppressions=0" BLOTTER_FUZZ_TARGET="$t" \
        "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
        -artifact_prefix="$work/crashes/$t-" "$work/corpus/$t" "$seeds/$t" > "$log" 2>&1
    set -e
    runs=$(grep -oE 'Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' | tail -1 || true)
    crashes=$(find "$work/crashes" -name "$t-*" | wc -l)
    if [ -z "$runs" ]; then runs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true); fi
    rate=$(( ${runs:-0} / (seconds > 0 ? seconds : 1) ))
    printf '%-18s %12s %8s %8s\n' "$t" "${runs:-?}" "$rate" "$crashes"
    if [ "$crashes" -gt 0 ] || ! grep -q 'Done [0-9]* runs' "$log"; then
        failed=1
        echo "  $t: see $log and $work/crashes/$t-*" >&2
        grep -m3 -E 'ERROR|Fatal|precondition|Assertion' "$log" >&2 || true
    fi
done
exit $failed
