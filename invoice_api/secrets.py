"""
`python -m invoice_api.secrets`: print a fresh `whsec_` signing secret.

Give the same value to INVOICE_API_WEBHOOK_SECRET and CALLBACK_RECEIVER_WEBHOOK_SECRET.
"""

import argparse
import base64
import secrets
import sys

SECRET_BYTES = 32


def new_secret() -> str:
    """
    A Standard Webhooks secret: `whsec_` and 32 random bytes in base64.
    """
    key = secrets.token_bytes(SECRET_BYTES)
    return "whsec_" + base64.b64encode(key).decode("ascii")


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__.strip().splitlines()[0]).parse_args()
    sys.stdout.write(new_secret() + "\n")
