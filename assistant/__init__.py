"""The domain: questionnaire, catalog types and the deterministic rules core (pure Python, no I/O)."""

from assistant.catalog import Catalog
from assistant.errors import AdvisorError, InvalidAnswer, InvalidInput, UnknownQuestion, UnknownStage
from assistant.recommendation import DISCLAIMER, Recommendation
from assistant.rules import recommend

__version__ = "0.1.0"

__all__ = [
    "DISCLAIMER",
    "AdvisorError",
    "Catalog",
    "InvalidAnswer",
    "InvalidInput",
    "Recommendation",
    "UnknownQuestion",
    "UnknownStage",
    "__version__",
    "recommend",
]
