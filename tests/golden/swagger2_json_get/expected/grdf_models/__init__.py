"""Pydantic v2 models of the REST APIs' schemas, one module per API."""
