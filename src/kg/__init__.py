"""kg: a knowledge graph of Mali's military cooperation, served as linked data."""

__version__ = "0.1.0"
