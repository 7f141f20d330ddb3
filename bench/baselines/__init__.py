"""
Baselines written for the benchmark: the usual ways to send a callback, kept small.

None of them is the kit. Each accepts the kit's invoice at `POST /invoices/` and, given
`callback_url`, POSTs `{callback_url}/invoices/{id}` unsigned and without retries.
"""
