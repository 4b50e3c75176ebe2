#!/usr/bin/env python3
"""Makes the sample of a large US city's published history that HistoryImportTests imports: three
gzip-compressed CSV files in that city's layout (complaints, accused officers, use-of-force reports),
with local (Central) times, exact duplicate rows and the legacy records today's rules would refuse;
the city's officer roster; and the records office's links from the use-of-force system's officer
keys to roster ids. The use-of-force file names an officer by its own key, name and age at the
incident (no birth year, no roster id), as that city's does; two officers share a name. The links
are what a records officer makes: same name, and an age that fits the roster's birth year.
Invented data, deterministic: python3 make_sample.py DIR writes the same bytes every time."""
import csv, gzip, io, random, sys
from datetime import datetime, timedelta

rng = random.Random(1421)
out = sys.argv[1] if len(sys.argv) > 1 else "."
officers = ["%d" % (5000 + i) for i in range(40)]
categories = ["USE OF FORCE", "VERBAL ABUSE", "ILLEGAL SEARCH", "FALSE ARREST", "OPERATION/PERSONNEL VIOLATIONS"]
findings = ["SUSTAINED", "NOT SUSTAINED", "EXONERATED", "UNFOUNDED"]
penalties = ["REPRIMAND", "SUSPENSION", "NO ACTION", "VIOLATION NOTED"]


def local(t):
    return t.strftime("%m/%d/%Y %H:%M")


def spring_gap(t):
    """True for a local time the clocks may skip: 02:00-02:59 on a Sunday of March or April (the
    first Sunday of April until 2006, the second of March since). The test checks a skipped time on
    its own; the sample keeps clear of them."""
    return t.hour == 2 and t.weekday() == 6 and t.month in (3, 4)


complaints, accused, uof = [], [], []
allegation = 0
for n in range(260):
    cr = str(1000000 + n)
    opened = datetime(2000, 1, 1) + timedelta(minutes=rng.randrange(17 * 365 * 24 * 60))
    while spring_gap(opened):
        opened += timedelta(hours=1)
    closed = opened + timedelta(days=rng.randrange(30, 700), minutes=rng.randrange(1440))
    while spring_gap(closed):
        closed += timedelta(hours=1)
    status = "CLOSED" if rng.random() < 0.85 else "OPEN"
    complaints.append([cr, local(opened), local(closed) if status == "CLOSED" else "", status])
    if rng.random() < 0.08:
        complaints.append(list(complaints[-1]))  # an exact duplicate row, as the city's file has
    # About a quarter of the complaints name no accused officer.
    for _ in range(0 if rng.random() < 0.25 else rng.choice([1, 1, 2, 3])):
        allegation += 1
        officer = rng.choice(officers)
        final = rng.choice(findings + [""]) if status == "CLOSED" else ""
        recommended = final if rng.random() < 0.9 else ""            # a final finding with no recommended one
        if final == "" and rng.random() < 0.5:
            recommended = rng.choice(findings)
        found = opened + timedelta(days=rng.randrange(10, 25), hours=rng.randrange(24))
        penalty, days = "", ""
        if final == "SUSTAINED" and rng.random() < 0.8:
            penalty = rng.choice(penalties)
        elif final in ("NOT SUSTAINED", "EXONERATED") and rng.random() < 0.1:
            penalty = "REPRIMAND"                                      # a penalty on an allegation not sustained
        if penalty == "SUSPENSION":
            days = str(rng.choice([1, 3, 5, 10, 25]))
        accused.append([cr, str(allegation), officer, rng.choice(categories), recommended, final, local(found) if final else "", penalty, days])
for n in range(120):
    t = datetime(2004, 1, 1) + timedelta(minutes=rng.randrange(13 * 365 * 24 * 60))
    while spring_gap(t):
        t += timedelta(hours=1)
    uof.append(["U%05d" % n, rng.choice(officers[:12]), local(t), rng.choice(["TAKEDOWN", "TASER", "PEPPER SPRAY", "FIREARM POINTED"])])


# The roster, drawn after the records so that their draws stay as they were.
rr = random.Random(1917)
first = ["James", "Maria", "Robert", "Linda", "Michael", "Patricia", "David", "Jennifer", "Thomas", "Angela"]
last = ["Kowalski", "Nguyen", "Okafor", "Ramirez", "Johnson", "O'Brien", "Washington", "Lindqvist", "Moreno", "Zielinski"]
roster, names, born = [], {}, {}
for i, officer in enumerate(officers):
    names[officer] = (rr.choice(first), rr.choice(last))
    born[officer] = rr.randrange(1950, 1980)
names[officers[7]] = names[officers[3]]             # two officers of one name, born years apart
born[officers[7]] = born[officers[3]] + 9
for officer in officers:
    appointed = datetime(born[officer] + rr.randrange(21, 30), rr.randrange(1, 13), rr.randrange(1, 29))
    roster.append([officer, names[officer][0], names[officer][1], str(born[officer]), appointed.strftime("%Y-%m-%d"),
                   str(rr.randrange(1000, 20000)), "%03d" % rr.randrange(1, 26), rr.choice(["POLICE OFFICER", "SERGEANT", "DETECTIVE"])])
# The use-of-force system's own officer keys; its rows give name and age at the incident.
keys = {officer: "UF-%04d" % ((i * 7919) % 10000) for i, officer in enumerate(officers)}
for row in uof:
    officer = row[1]
    year = int(row[2][6:10])
    row[1:2] = [keys[officer], "%s %s" % names[officer], str(year - born[officer] - rr.choice([0, 1]))]
links = [[keys[o], o, "same name; age at incident fits birth year %s" % born[o]] for o in officers if any(r[1] == keys[o] for r in uof)]
# The penalty recommended with a sustained recommendation, where the city's file gives one (drawn
# last, so that every earlier draw stays as it was).
rd = random.Random(2512)
for row in accused:
    penalty, days = "", ""
    if row[4] == "SUSTAINED" and rd.random() < 0.6:
        penalty = rd.choice(penalties)
        if penalty == "SUSPENSION":
            days = str(rd.choice([5, 10, 25, 30]))
    row += [penalty, days]


def write(name, header, rows):
    text = io.StringIO()
    w = csv.writer(text, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    with open("%s/%s" % (out, name), "wb") as f:
        f.write(gzip.compress(text.getvalue().encode("utf-8"), mtime=0))


write("complaints.csv.gz", ["CR_ID", "COMPLAINT_DATE", "CLOSED_DATE", "CURRENT_STATUS"], complaints)
write("accused.csv.gz", ["CR_ID", "ALLEGATION_ID", "OFFICER_ID", "CATEGORY", "RECOMMENDED_FINDING", "FINAL_FINDING", "FINDING_DATE",
                         "PENALTY", "DAYS", "RECOMMENDED_PENALTY", "RECOMMENDED_DAYS"], accused)
write("uof.csv.gz", ["UOF_ID", "OFFICER_KEY", "OFFICER_NAME", "OFFICER_AGE", "INCIDENT_DATE", "FORCE_TYPE"], uof)
write("roster.csv.gz", ["OFFICER_ID", "FIRST_NAME", "LAST_NAME", "BIRTH_YEAR", "APPOINTED_DATE", "STAR", "UNIT", "RANK"], roster)
write("links.csv.gz", ["OFFICER_KEY", "OFFICER_ID", "BASIS"], links)
