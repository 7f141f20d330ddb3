"""
Every setting of both processes with its default, written as in a .env file.
"""

from callback_receiver.settings import ReceiverSettings
from invoice_api.settings import ApiSettings


def all_defaults() -> dict[str, str]:
    """
    `INVOICE_API_*` and `CALLBACK_RECEIVER_*` names mapped to their defaults.
    """
    return {
        f"{prefix}{name.upper()}": as_env(field.default)
        for prefix, settings in (
            ("INVOICE_API_", ApiSettings),
            ("CALLBACK_RECEIVER_", ReceiverSettings),
        )
        for name, field in settings.model_fields.items()
    }


def as_env(value: object) -> str:
    """
    A default as it is written in a .env file: tuples comma-separated.
    """
    if isinstance(value, tuple):
        return ",".join(
            f"{item:g}" if isinstance(item, float) else item for item in value
        )
    return str(value)
