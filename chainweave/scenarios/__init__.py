"""Scenarios: validated scenario files, bundled clusters and data, and the policy library."""
