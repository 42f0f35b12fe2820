"""Discussions: categories, threads and posts, their pages and lists, cached post fragments and
view counts."""
