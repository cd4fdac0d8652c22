"""Captures: market data recorded as JSON Lines (../shared/spec/capture-format.md).

`writer` records them (the collector's CaptureSink), `reader` parses and
validates them, `importer` lands them in the landing zone.
"""
