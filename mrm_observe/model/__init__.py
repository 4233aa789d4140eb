"""Frozen pydantic models of what users define."""
