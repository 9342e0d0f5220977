"""Loaders for the human-labelled datasets of `../shared/data` (see each folder's SOURCE.md).

Every loader validates its file and raises `DataError` naming the file and the line; none of them copies data.
"""
