"""chainweave: agent-based simulation of city clusters.

Firms, research institutes, service providers and city governments interact over a graph of
places (core city, secondary agglomeration, counties) that carries the industry chain, the
science-and-technology innovation chain and the service chain. Outputs are tidy tables that the
``chainweave.analysis`` functions turn into coupling-coordination metrics.
"""

__version__ = "0.1.0"
