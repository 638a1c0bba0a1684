"""Machine assistance: spaCy-based suggestions of excerpt -> theme codings.

Nothing here is imported on the CLI start path; spaCy loads only in the commands that need it.
"""
