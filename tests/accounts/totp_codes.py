"""Codes an authenticator app would show, computed with django-otp's own TOTP."""

from __future__ import annotations

import time

from django_otp.oath import TOTP


def code_for(device, *, steps_ahead: int = 0) -> str:
    """The code of a device, `steps_ahead` 30-second steps from now (the server accepts one
    step of drift; a step it has accepted once cannot be used again)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"
