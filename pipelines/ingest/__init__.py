"""Ingest: detect → read → map → coerce → validate → load. ``run.ingest`` wires the stages."""
