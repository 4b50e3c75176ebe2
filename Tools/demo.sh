#!/usr/bin/env bash
# Blotter's main job on the embedded default (one SQLite file, no server): `blotter demo` builds the
# Precinct 120 ledger (cases through their whole life, use of force, body-camera feeds), then the
# case file, queues, an officer's history with early-intervention flags, body-camera compliance and
# statistics; then a case worked step by step from the command line (with refusals); the two public
# files of ../shared/data imported through their mappings; both verifiers;
# then what an oversight body does: take a signed checkpoint, cosign it as a witness, check the cosigned checkpoint, get and
# check a receipt (tlog-proof) for one entry, and export the public tiles mirror.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/setup.sh
swift build -c release --product blotter
BLOTTER="$PWD/.build/release/blotter"
REPO="$PWD"
DEMO="${DEMO_DIR:-$PWD/demo}"
# The public data files: $BLOTTER_DATA, or else ../shared/data next to the repository.
DATA="${BLOTTER_DATA:-$REPO/../shared/data}"
for f in nj-use-of-force.csv nyc-ccrb-penalties.csv; do
    [ -f "$DATA/$f" ] || { echo "demo: $DATA/$f is missing: set BLOTTER_DATA to the folder that holds nj-use-of-force.csv and nyc-ccrb-penalties.csv (by default ../shared/data next to the repository)" >&2; exit 5; }
done
rm -rf "$DEMO" && mkdir -p "$DEMO" && cd "$DEMO"
export BLOTTER_LEDGER="$DEMO/precinct120.ledger"
run() { echo; echo "\$ blotter $*"; "$BLOTTER" "$@"; }

run demo --ledger "$BLOTTER_LEDGER"
KEYS="$BLOTTER_LEDGER.keys"
run case show IA-2025-0001
run case list --overdue --limit 5
run officer show P-1007
run bodycam compliance
run stats

echo; echo "# the internal-affairs workflow: a complaint comes in, a case is opened and worked"
run complaint receive C-2026-90001 --key "$KEYS/ia_intake.lee.pem" --channel phone --incident-at 2026-11-19T22:15:00Z \
    --officer P-1007 --allegation "Abuse of Authority/Search (of person)" --narrative "Bag searched without consent."
run case open IA-2026-9001 --key "$KEYS/ia_cmdr.morales.pem" --complaint C-2026-90001 --unit "IAB Group 1"
run case assign IA-2026-9001 --key "$KEYS/ia_cmdr.morales.pem" --investigator ia/rivera
run case allegation IA-2026-9001 --key "$KEYS/ia_rivera.pem" --id A1 --officer P-1007 --category "Abuse of Authority" --subcategory "Search (of person)"
run case finding IA-2026-9001 --key "$KEYS/ia_rivera.pem" --allegation A1 --finding sustained --recommend-penalty command_discipline
echo; echo "# closing before the commander approves the finding is refused, naming the rule; the ledger is unchanged:"
"$BLOTTER" case close IA-2026-9001 --key "$KEYS/ia_cmdr.morales.pem" || echo "(exit status $?)"
echo; echo "# a schema violation is refused with every problem at once:"
"$BLOTTER" case allegation IA-2026-9001 --key "$KEYS/ia_rivera.pem" --id A2 --officer P-1007 --category Rudeness --field colour=blue || echo "(exit status $?)"
run case approve IA-2026-9001 --key "$KEYS/ia_cmdr.morales.pem" --allegation A1
run case discipline IA-2026-9001 --key "$KEYS/ia_cmdr.morales.pem" --allegation A1 --penalty command_discipline
run case close IA-2026-9001 --key "$KEYS/ia_cmdr.morales.pem"
run case show IA-2026-9001

echo; echo "# importing existing records: the New Jersey use-of-force export and the NYC CCRB penalties file,"
echo "# through the declarative mappings in Tools/mappings, signed by an importer key"
"$BLOTTER" keys generate --out importer.pem >/dev/null
run keys register --key "$KEYS/ia_admin.pem" --subject import/legacy --role importer importer.pub.pem
echo; echo "# a dry run first: every row checked against the ledger's rules, nothing kept"
run import --dry-run --quiet --key importer.pem --mapping "$REPO/Tools/mappings/nyc-ccrb-penalties.json" "$DATA/nyc-ccrb-penalties.csv"
run import --key importer.pem --mapping "$REPO/Tools/mappings/nj-use-of-force.json" "$DATA/nj-use-of-force.csv"
run import --key importer.pem --mapping "$REPO/Tools/mappings/nyc-ccrb-penalties.json" "$DATA/nyc-ccrb-penalties.csv" --report ccrb-import.json
echo; echo "# the same file again adds nothing:"
run import --key importer.pem --mapping "$REPO/Tools/mappings/nj-use-of-force.json" "$DATA/nj-use-of-force.csv" --quiet
run case show CCRB-202303046
run verify
echo; echo "\$ python3 Tools/verify_ledger.py $BLOTTER_LEDGER"
python3 "$REPO/Tools/verify_ledger.py" "$BLOTTER_LEDGER"

echo; echo "# oversight: a signed checkpoint, cosigned by a witness, and a receipt for entry 300"
"$BLOTTER" checkpoint > checkpoint.txt
LOG_KEY="$("$BLOTTER" operator-key)"
WITNESS_KEY="$("$BLOTTER" witness init --dir witness --name ccrb.example/witness --log-key "$LOG_KEY")"
"$BLOTTER" witness cosign --dir witness checkpoint.txt > cosigned.txt
cat cosigned.txt
run checkpoint verify --key "$LOG_KEY" --witness "$WITNESS_KEY" --quorum 1 cosigned.txt
"$BLOTTER" prove inclusion 300 --tlog-proof --checkpoint cosigned.txt > entry3.tlog-proof
"$BLOTTER" entry 300 --raw > entry3.json
run prove verify --key "$LOG_KEY" --entry entry3.json entry3.tlog-proof
run tiles export mirror

echo; echo "# public disclosure: a court seals a complaint's narrative; then releases under two policies, each checked"
echo "# by both verifiers; the witness-cosigned checkpoint travels with the first"
SEALED_SEQ="$("$BLOTTER" log --stream complaint/C-2026-90001 --json | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["seq"])')"
run seal --entry "$SEALED_SEQ" --field narrative --authority "Superior Court order 2026-CV-0142 (demo)" --key "$KEYS/records_ortiz.pem"
rm -rf release-ca release-ny
run export --policy "$REPO/Tools/policies/ca-sb1421.json" --out release-ca --key "$KEYS/records_ortiz.pem" --checkpoint cosigned.txt
run verify-export release-ca --key "$LOG_KEY"
echo "\$ python3 Tools/verify_export.py release-ca --key $LOG_KEY"
python3 "$REPO/Tools/verify_export.py" release-ca --key "$LOG_KEY"
run export --policy "$REPO/Tools/policies/ny-50a.json" --out release-ny --key "$KEYS/records_ortiz.pem"
run verify-export release-ny --key "$LOG_KEY"
python3 "$REPO/Tools/verify_export.py" release-ny --key "$LOG_KEY"
echo "# the first rows of the New York-style allegations table:"
head -4 release-ny/data/allegations.csv
run log --stream disclosures
