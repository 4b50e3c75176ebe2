#!/usr/bin/env bash
# Blotter's main job on the embedded default (one SQLite file, no server): create a ledger, register
# an intake clerk and an investigator, record a complaint and open a case, show the log, then verify
# it twice: with `blotter verify` and with the independent Python verifier.
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
