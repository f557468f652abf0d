"""The text extractor: draft annotations of a statement text for a person to review."""
