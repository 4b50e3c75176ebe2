#!/usr/bin/env python3
"""Figures of the sample city's files, computed with Python's csv, gzip and zoneinfo only (no
Blotter code), for HistoryImportTests to compare with what Blotter holds after importing them.
The use-of-force file names officers by its own keys, with name and age at the incident: a report is
an officer's if the roster has that name and the age fits the birth year (age = year - born, or one
less before the birthday); a report that fits no one or more than one is counted apart.
Usage: figures.py DIR OFFICER [OFFICER ...]"""
import csv, gzip, io, json, sys
from collections import Counter, defaultdict
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

d, officer, others = sys.argv[1], sys.argv[2], sys.argv[3:]
central = ZoneInfo("America/Chicago")


def rows(name):
    return list(csv.DictReader(io.StringIO(gzip.open("%s/%s" % (d, name)).read().decode("utf-8"))))


def utc(text):
    return datetime.strptime(text, "%m/%d/%Y %H:%M").replace(tzinfo=central).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


complaints, accused, uof = rows("complaints.csv.gz"), rows("accused.csv.gz"), rows("uof.csv.gz")
roster = rows("roster.csv.gz")


def whose(report):
    year = int(report["INCIDENT_DATE"][6:10])
    fits = [r["OFFICER_ID"] for r in roster if "%s %s" % (r["FIRST_NAME"], r["LAST_NAME"]) == report["OFFICER_NAME"]
            and year - int(r["BIRTH_YEAR"]) - int(report["OFFICER_AGE"]) in (0, 1)]
    return fits[0] if len(fits) == 1 else None


uof_officer = [whose(u) for u in uof]
same_name = Counter("%s %s" % (r["FIRST_NAME"], r["LAST_NAME"]) for r in roster)
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
    "recommended_penalties": Counter(a["RECOMMENDED_PENALTY"].lower().replace(" ", "_") for a in accused if a["RECOMMENDED_PENALTY"]),
    "recommended_days": Counter(a["RECOMMENDED_DAYS"] for a in accused if a["RECOMMENDED_DAYS"]),
    "roster": len(roster),
    "officers_sharing_a_name": sum(n for n in same_name.values() if n > 1),
    "reports_unmatched": uof_officer.count(None),
    "use_of_force_of": {o: uof_officer.count(o) for o in others},
    "received_at": {"CR-" + c["CR_ID"]: utc(c["COMPLAINT_DATE"]) for c in list(unique.values())[:20]},
    "officer": {
        "complaints": len({a["CR_ID"] for a in mine}),
        "allegations": len(mine),
        "sustained": sum(1 for a in mine if a["FINAL_FINDING"] == "SUSTAINED"),
        "discipline": sum(1 for a in mine if a["PENALTY"]),
        "use_of_force": uof_officer.count(officer),
        "name": next("%s %s" % (r["FIRST_NAME"], r["LAST_NAME"]) for r in roster if r["OFFICER_ID"] == officer),
        "first_allegation_at": min(utc(unique[a["CR_ID"]]["COMPLAINT_DATE"]) for a in mine) if mine else None,
    },
}, sort_keys=True))
