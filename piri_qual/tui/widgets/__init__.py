"""Widgets of the coding UI."""
