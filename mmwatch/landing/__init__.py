"""The landing zone: where the collector and capture imports write (zone), how the sensor lists it (scan) and batches it into runs (batches)."""
