"""
The invoice API: takes invoices, and calls back, signed, when they are paid.
"""
