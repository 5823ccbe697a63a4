"""The presentation layer: everything the app (``dashboard/``), the funder pack and review
(``pipelines/report/``) and the CLI share to show indicators to people — no Streamlit here.

- :mod:`charts`: the chart builders (Vega-Lite figures with their French sentence and table), and
  :mod:`plan_charts` for the plan's timeline and funding;
- :mod:`tables`: display tables (French headers and formats) and the CSV of rejected rows;
- :mod:`roadmap_frames`: the plan's actions, phases and funding as frames;
- :mod:`territory` and :mod:`territory_charts`: the territory view of a consolidated warehouse (members ×
  indicators statuses, funnel plots with their control limits, peer groups);
- :mod:`status_words`: statuses as a word, a symbol and a colour (the rules are the engine's);
- :mod:`palette`: the Okabe–Ito colours; :mod:`formulas`: formula neutralising for spreadsheets;
- :mod:`markdown`: text from data made inert in Markdown; :mod:`console`: the CLI's tables.

Numbers, dates and units are written by :mod:`pipelines.french`, shared with the indicators' own
sentences. This layer reads the indicators (:mod:`pipelines.indicators`) and the plan; the layers
above it import it, never the other way round (``tests/test_layers.py``).
"""
