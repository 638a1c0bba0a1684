"""Registers the shared command groups; their commands come from the topic modules."""

from piri_qual.cli.groups import export

COMMANDS = [export]
