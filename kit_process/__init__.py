"""
What both servers need to run as console processes: safe logging, a clear port check.

Not part of the callback contract: `invoice_api` and `callback_receiver` still share
no code about callbacks, and neither imports the other.
"""
