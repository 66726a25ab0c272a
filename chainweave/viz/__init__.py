"""Figures, animation and the interactive dashboard, drawn from output tables."""
