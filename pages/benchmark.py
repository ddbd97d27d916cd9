"""Stub: replaced by the feature that owns this page."""

from pages.ui.frame import page_setup

page_setup("benchmark")
