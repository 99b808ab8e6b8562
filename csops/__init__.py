"""csops: customer-service operations from plain-text records in git."""

__version__ = "0.1.0"
