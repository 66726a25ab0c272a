"""Figures: every matplotlib drawing of the package."""
