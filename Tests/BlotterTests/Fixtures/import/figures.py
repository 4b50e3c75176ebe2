#!/usr/bin/env python3
"""Figures computed straight from the public CSV files with Python's csv module, sharing no code
with Blotter, for the import tests to compare Blotter's projections and case views against.

usage: figures.py nj NJ.csv | figures.py ccrb CCRB.csv COMPLAINT_ID...
"""
import csv, collections, json, sys

def items(cell):
    parts = [p.strip() for p in cell.split(",")]
    while parts and parts[-1] == "":
        parts.pop()
    return parts

def nj(path):
    rows = list(csv.DictReader(open(path, encoding="utf-8-sig", newline="")))
    agencies = collections.Counter(r["agency_name"].strip() for r in rows)
    subjects = sum(max(len(items(r[c])) for c in ("subject_race", "subject_gender", "subject_age", "subject_arrested")) for r in rows)
    return {
        "rows": len(rows),
        "by_agency": dict(agencies.most_common(5)),
        "without_officer_name": sum(1 for r in rows if not r["officer_name"].strip()),
        "subjects": subjects,
        "subjects_injured": sum(int(r["number_subjects_injured_in_incident"]) for r in rows),
        "with_video": sum(1 for r in rows if r["video_footage"].strip() == "Yes"),
    }

UNDECIDED = {"Pending", "Closed: Department adjudication in process", "Closed: Terminal Leave, Adjudication Pending"}
NOT_GUILTY = {"Closed: Not guilty after trial-PC Approved", "Closed: Trial verdict reversed by PC, Final verdict Not Guilty"}

PENALTY_WORDS = [("Command Discipline", "command_discipline"), ("Command Lvl Instructions", "instructions"),
                 ("Instructions", "instructions"), ("Formalized Training", "training"), ("Forfeit vacation", "vacation_days_forfeited"),
                 ("Suspension", "suspension"), ("Dismissal Probation", "dismissal_probation"), ("Reprimand", "reprimand"),
                 ("Terminated", "termination"), ("Forced Separation", "termination")]

def recommendation(r):
    """The CCRB's recommended discipline for a row: its trial prosecutor's penalty for APU cases, else
    the board's recommendation, else what its disposition says in parentheses."""
    text = next((r[c].strip() for c in ("APU CCRB Trial Recommended Penalty", "Board Discipline Recommendation",
                                        "CCRB Substantiated Officer Disposition") if r[c].strip()), "")
    if text.startswith("Substantiated (") and text.endswith(")"):
        text = text[len("Substantiated ("):-1]
    if not text or text == "No Recommendations":
        return None, None, None
    penalty = next((p for word, p in PENALTY_WORDS if text.startswith(word)), None)
    words = r["APU CCRB Trial Recommended Penalty"].split()
    days = int(words[words.index("days") - 1]) if "days" in words and words.index("days") > 0 and words[words.index("days") - 1].isdigit() else None
    return penalty, days, text

def decided_year(r, first, second):
    """The year of the first of two MM/DD/YYYY columns that has a date."""
    date = r[first].strip() or r[second].strip()
    return date[-4:] if date else None

def ccrb(path, samples):
    rows = list(csv.DictReader(open(path, encoding="utf-8-sig", newline="")))
    substantiated = [r for r in rows if r["CCRB Substantiated Officer Disposition"].startswith("Substantiated")]
    final = [r for r in rows if r["APU Case Status"].strip() not in UNDECIDED]
    disciplined = [r for r in final if r["NYPD Officer Penalty"].strip() not in ("", "APU - Decision Pending")
                   and r["APU Case Status"].strip() not in NOT_GUILTY]
    cases = {}
    for c in samples:
        officers = {}
        for r in rows:
            if r["Complaint Id"] != c:
                continue
            status = r["APU Case Status"].strip()
            officers["T" + r["Tax ID"]] = {
                "officer": r["Tax ID"],
                "final": None if status in UNDECIDED else ("not_sustained" if status in NOT_GUILTY else "sustained"),
                "penalty_text": r["NYPD Officer Penalty"].strip() if r in disciplined else None,
                "recommended": dict(zip(("penalty", "days", "detail"), recommendation(r))),
            }
        cases["CCRB-" + c] = officers
    return {
        "rows": len(rows),
        "complaints": len({r["Complaint Id"] for r in rows}),
        "final_findings": len(final),
        "not_sustained": sum(1 for r in final if r["APU Case Status"].strip() in NOT_GUILTY),
        "discipline": len(disciplined),
        "recommended_penalties": dict(collections.Counter(p for p, _, _ in map(recommendation, substantiated) if p)),
        "recommended_with_days": sum(1 for r in substantiated if recommendation(r)[1] is not None),
        "discipline_by_year": dict(collections.Counter(
            decided_year(r, "Non-APU NYPD Penalty Report Date", "APU Closing Date") or "undated" for r in disciplined)),
        "final_findings_by_year": dict(collections.Counter(
            decided_year(r, "APU Closing Date", "Non-APU NYPD Penalty Report Date") or "undated" for r in final)),
        "cases": cases,
    }

if __name__ == "__main__":
    kind, path = sys.argv[1], sys.argv[2]
    print(json.dumps(nj(path) if kind == "nj" else ccrb(path, sys.argv[3:])))
