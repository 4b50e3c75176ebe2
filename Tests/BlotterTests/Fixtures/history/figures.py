#!/usr/bin/env python3
"""Figures of the sample city's files, computed with Python's csv, gzip and zoneinfo only (no
Blotter code), for HistoryImportTests to compare with what Blotter holds after importing them.
Usage: figures.py DIR OFFICER"""
import csv, gzip, io, json, sys
from collections import Counter, defaultdict
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

d, officer = sys.argv[1], sys.argv[2]
central = ZoneInfo("America/Chicago")


def rows(name):
    return list(csv.DictReader(io.StringIO(gzip.open("%s/%s" % (d, name)).read().decode("utf-8"))))


def utc(text):
    return datetime.strptime(text, "%m/%d/%Y %H:%M").replace(tzinfo=central).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


complaints, accused, uof = rows("complaints.csv.gz"), rows("accused.csv.gz"), rows("uof.csv.gz")
unique = {}
for c in complaints:
    unique.setdefault(c["CR_ID"], c)
by_complaint = defaultdict(list)
for a in accused:
    by_complaint[a["CR_ID"]].append(a)
closed = [c for c in unique.values() if c["CURRENT_STATUS"] == "CLOSED"]
legacy = Counter()
legacy["approve-needs-recommendation"] = sum(1 for a in accused if a["FINAL_FINDING"] and not a["RECOMMENDED_FINDING"])
legacy["discipline-needs-sustained"] = sum(1 for a in accused if a["PENALTY"] and a["FINAL_FINDING"] != "SUSTAINED")
legacy["close-needs-allegations"] = sum(1 for c in closed if not by_complaint[c["CR_ID"]])
legacy["close-needs-final-findings"] = sum(1 for c in closed if any(not a["FINAL_FINDING"] for a in by_complaint[c["CR_ID"]]))
legacy["close-needs-discipline"] = sum(1 for c in closed if any(a["FINAL_FINDING"] == "SUSTAINED" and not a["PENALTY"] for a in by_complaint[c["CR_ID"]]))
mine = [a for a in accused if a["OFFICER_ID"] == officer]
print(json.dumps({
    "complaint_rows": len(complaints),
    "complaints": len(unique),
    "duplicate_rows": len(complaints) - len(unique),
    "allegations": len(accused),
    "closed": len(closed),
    "cases_by_year": Counter(utc(c["COMPLAINT_DATE"])[:4] for c in unique.values()),
    "sustained_by_year": Counter(utc(a["FINDING_DATE"])[:4] for a in accused if a["FINAL_FINDING"] == "SUSTAINED"),
    "legacy": {k: v for k, v in legacy.items() if v},
    "received_at": {"CR-" + c["CR_ID"]: utc(c["COMPLAINT_DATE"]) for c in list(unique.values())[:20]},
    "officer": {
        "complaints": len({a["CR_ID"] for a in mine}),
        "allegations": len(mine),
        "sustained": sum(1 for a in mine if a["FINAL_FINDING"] == "SUSTAINED"),
        "discipline": sum(1 for a in mine if a["PENALTY"]),
        "use_of_force": sum(1 for u in uof if u["OFFICER_ID"] == officer),
        "first_allegation_at": min(utc(unique[a["CR_ID"]]["COMPLAINT_DATE"]) for a in mine) if mine else None,
    },
}, sort_keys=True))
