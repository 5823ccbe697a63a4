"""The embedded demo authority: a fictional intercommunality, its plan file and a seeded data generator.

``generate.write_demo(data_dir)`` writes canonical CSVs under ``data_dir/exports/`` and the example
plan (``plan.toml``, commented in French) to ``data_dir/plan.toml``.
"""
