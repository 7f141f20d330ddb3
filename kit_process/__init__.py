"""
What the kit's processes need to run from a console: safe logging, a readable `.env`,
a clear port and database check, a JSON 413 for both servers, and the demo's ports
for the two scripts.

Not part of the callback contract: `invoice_api` and `callback_receiver` still share
no code about callbacks, and neither imports the other.
"""
