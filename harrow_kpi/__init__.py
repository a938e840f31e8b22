"""Harrow KPI Explorer: the London Borough of Harrow's plans and performance, 2004–2020."""

__version__ = "0.1.0"
