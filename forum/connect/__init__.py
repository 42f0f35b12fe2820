"""Connecting alumni: profiles and the directory, search, watching and mentions, and the resource
library with its uploads."""
