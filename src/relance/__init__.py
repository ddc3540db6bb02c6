"""relance: credit management and collections for small and mid-size companies."""

__version__ = "0.1.0"
