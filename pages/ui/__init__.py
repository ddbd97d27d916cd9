"""Streamlit building blocks shared by the pages (not pages themselves: not in pages/*.py)."""
