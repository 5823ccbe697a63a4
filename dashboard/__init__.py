"""Streamlit app: ``app.py`` is the router, ``app_pages/`` hold thin pages, logic lives in modules."""
