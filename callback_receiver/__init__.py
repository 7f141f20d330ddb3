"""
The callback receiver: verifies signed invoice callbacks and keeps them in an inbox.
"""
