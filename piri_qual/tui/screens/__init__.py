"""Screens of the coding UI, one module each."""
