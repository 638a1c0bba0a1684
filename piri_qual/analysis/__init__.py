"""Analysis: agreement, framework matrix, quote bank, outcomes (pure functions on plain data)."""
