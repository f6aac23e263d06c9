"""The demo: a local server that replays recorded pages of the real sources (`vigia demo`).

An entry-point room: it serves the runtime, and nothing in the runtime imports it.
"""
