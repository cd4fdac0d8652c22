"""Benchmark scripts: each prints its numbers (never asserted in tests)."""
