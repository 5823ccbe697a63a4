"""The diagnostic phase of a plan: the digital-maturity referential (``referential``) and its
warehouse tables (``tables``). The scores are SQL (``pipelines/indicators/sql/09_maturity.sql``)."""
