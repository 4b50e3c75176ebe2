#!/usr/bin/env python3
"""Comparison point for Blotter's append benchmark: the Python `eventsourcing` library with its
SQLite persistence, appending unsigned events of about the same size in batches of 10 (one aggregate
with 10 events per save, one transaction each). Prints one JSON line with the rate.

Usage: bench_eventsourcing.py COUNT DBPATH
"""
import json
import os
import sys
import time

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

NARRATIVE = ("Complainant states that the officer stopped him on the corner, searched his bag without "
             "consent and used discourteous language. Two witnesses were present; one gave a phone number. ") * 2


class Complaint(Aggregate):
    @event("Received")
    def __init__(self, channel: str):
        self.channel = channel

    @event("Recorded")
    def record(self, fields: dict):
        pass


def main():
    count, path = int(sys.argv[1]), sys.argv[2]
    if os.path.exists(path):
        os.remove(path)
    app = Application(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path})
    fields = {"channel": "phone", "narrative": NARRATIVE, "officers": ["T-1234", "T-5678"], "precinct": "120",
              "allegations": [{"category": "Abuse of Authority", "type": "Search (of person)"}],
              "incident_at": "2026-11-20T22:15:00Z", "location": "Bay St & Victory Blvd"}
    started = time.perf_counter()
    written = 0
    while written < count:
        c = Complaint(channel="phone")
        for _ in range(9):
            c.record(fields=fields)
        app.save(c)
        written += 10
    elapsed = time.perf_counter() - started
    print(json.dumps({"events": written, "seconds": elapsed, "per_second": written / elapsed}))


if __name__ == "__main__":
    main()
