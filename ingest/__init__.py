"""Loaders: the curated dataset and the published lists, validated into ChangeSets for a store."""
