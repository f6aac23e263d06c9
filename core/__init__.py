"""The neutral model every room shares: items, matches, outbox messages, errors, text folding.

It imports nothing of ours, so scrapers, classify, storage, alerts and the application can all
depend on it without depending on each other.
"""
