#!/usr/bin/env bash
# Blotter's main job on the embedded default (one SQLite file, no server): create a ledger, register
# an intake clerk and an investigator, record a complaint and open a case, show the log, verify it
# twice (with `blotter verify` and with the independent Python verifier), then do what an oversight
# body does: take a signed checkpoint, cosign it as a witness, check the cosigned checkpoint, get and
# check a receipt (tlog-proof) for one entry, and export the public tiles mirror.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/setup.sh
swift build -c release --product blotter
BLOTTER="$PWD/.build/release/blotter"
REPO="$PWD"
DEMO="${DEMO_DIR:-$PWD/demo}"
rm -rf "$DEMO" && mkdir -p "$DEMO" && cd "$DEMO"
export BLOTTER_LEDGER="$DEMO/precinct120.ledger"
run() { echo; echo "\$ blotter $*"; "$BLOTTER" "$@"; }

run init --origin ia.precinct120.example/ledger --admin ia/admin --admin-key admin.pem
run keys generate --out clerk.pem
run keys generate --alg p256 --out rivera.pem
run keys register --key admin.pem --subject ia/clerk --role intake clerk.pub.pem
run keys register --key admin.pem --subject ia/rivera --role investigator --role commander rivera.pub.pem
cat > complaint.json <<'JSON'
{
  "channel": "walk-in",
  "received_at": "2026-11-20T09:12:00Z",
  "incident_at": "2026-11-19T22:15:00Z",
  "location": "Bay St & Victory Blvd",
  "complainant_name": "J. Doe",
  "narrative": "Stopped on the corner; bag searched without consent; officer used discourteous language.",
  "officers": ["T-1234"],
  "allegations": [{"category": "Abuse of Authority", "type": "Search (of person)"}, {"category": "Discourtesy", "type": "Word"}]
}
JSON
run append --key clerk.pem --type complaint.received --stream complaint/C-2026-0107 --expect 0 complaint.json
run append --key rivera.pem --type case.opened --stream case/IA-2026-0042 --expect 0 \
    --field 'complaints=["C-2026-0107"]' --field classification=FADO --field discovered_on=2026-11-20
echo; echo "# a stale expect is refused and the ledger is left as it was:"
"$BLOTTER" append --key rivera.pem --type case.assigned --stream case/IA-2026-0042 --expect 0 --field investigator=ia/rivera || echo "(exit status $?)"
run log
run entry 3
run verify
echo; echo "\$ python3 Tools/verify_ledger.py $BLOTTER_LEDGER"
python3 "$REPO/Tools/verify_ledger.py" "$BLOTTER_LEDGER"

echo; echo "# oversight: a signed checkpoint, cosigned by a witness, and a receipt for entry 3"
"$BLOTTER" checkpoint > checkpoint.txt
LOG_KEY="$("$BLOTTER" operator-key)"
WITNESS_KEY="$("$BLOTTER" witness init --dir witness --name ccrb.example/witness --log-key "$LOG_KEY")"
"$BLOTTER" witness cosign --dir witness checkpoint.txt > cosigned.txt
cat cosigned.txt
run checkpoint verify --key "$LOG_KEY" --witness "$WITNESS_KEY" --quorum 1 cosigned.txt
"$BLOTTER" prove inclusion 3 --tlog-proof --checkpoint cosigned.txt > entry3.tlog-proof
"$BLOTTER" entry 3 --raw > entry3.json
run prove verify --key "$LOG_KEY" --entry entry3.json entry3.tlog-proof
run tiles export mirror
