"""The four agent types, each as column tables with its phase functions.

Firms (industry chain, and firm R&D), research institutes (knowledge), service providers
(banks, venture capital, incubators, intermediaries) and city governments (budgets, people,
resources). Each module holds the type's `ColumnTable`, its Mesa handle and its phases.
"""

from chainweave.agents.firm import Firm, FirmTable
from chainweave.agents.government import CityGovernment, GovernmentTable
from chainweave.agents.institute import InstituteTable, ResearchInstitute
from chainweave.agents.service import ProviderTable, ServiceKind, ServiceProvider

__all__ = [
    "CityGovernment",
    "Firm",
    "FirmTable",
    "GovernmentTable",
    "InstituteTable",
    "ProviderTable",
    "ResearchInstitute",
    "ServiceKind",
    "ServiceProvider",
]
