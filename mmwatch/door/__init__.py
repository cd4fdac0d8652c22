"""The door: what may enter the landing zone, one set of rules for capture imports and the collector.

`limits` holds the bounds and the time window (documented in docs/ingest.md, "The door"), `rules`
applies them to landing rows (polars frames, so one implementation serves the bulk import and the
collector's minute files), and `paths` guards the one function that turns (data set, day, exchange)
into a landing or lake folder. Spec §1's validity rules (mmwatch/lake/raw_rules.py) still judge what
passes: a book with a negative amount lands and is marked invalid there.
"""
