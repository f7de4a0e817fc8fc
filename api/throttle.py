"""Sign-in throttling at the edge: at most `SIGN_IN_RATE` attempts per client address, and the
clock that the per-account lock (`scheduler.auth.authenticate`) reads.

The address is the ASGI client's host. Behind a reverse proxy that is the proxy's, and every
client would share one count: uvicorn must then run with `--proxy-headers` (which `partagenda
serve` sets) and trust the proxy (`--forwarded-allow-ips`, or the `FORWARDED_ALLOW_IPS`
variable, when the proxy is not on 127.0.0.1) so that the host comes from `X-Forwarded-For`.

Attempts are counted in a moving window by the `limits` library, in the process's memory by
default, or in the storage that `PARTAGENDA_RATE_LIMIT_STORAGE` names (`redis://...`), which
every API process then shares. Should that storage fail, sign-in goes on without the address
limit (logged): the per-account lock, kept in the database, still holds.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from limits import RateLimitItem, RateLimitItemPerMinute
from limits.errors import StorageError
from limits.storage import MovingWindowSupport, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from api.deps import SettingsDep
from scheduler.errors import TooManySignInAttempts
from scheduler.models import utcnow

logger = logging.getLogger(__name__)

SIGN_IN_RATE: RateLimitItem = RateLimitItemPerMinute(20)
"""Sign-in attempts allowed per client address in any 60 seconds (the 21st is refused)."""

_LIMITER_LOCK = threading.Lock()

Clock = Callable[[], datetime]


def get_clock() -> Clock:
    """The clock of the sign-in lock; tests replace it through `app.dependency_overrides`."""
    return utcnow


ClockDep = Annotated[Clock, Depends(get_clock)]


def client_address(request: Request) -> str:
    """The client's address as the ASGI server reports it (see the module's note on proxies)."""
    return request.client.host if request.client is not None else "unknown"


class SignInLimiter:
    """Counts the sign-in attempts of each client address in a moving one-minute window."""

    def __init__(self, storage: Storage, rate: RateLimitItem = SIGN_IN_RATE) -> None:
        if not isinstance(storage, MovingWindowSupport):
            raise ValueError("the rate limit storage must support moving windows")
        self.rate = rate
        self._limiter = MovingWindowRateLimiter(storage)

    def hit(self, address: str) -> None:
        """Count one attempt from `address`; `TooManySignInAttempts` once over the rate."""
        try:
            if self._limiter.hit(self.rate, "sign-in", address):
                return
            reset = self._limiter.get_window_stats(self.rate, "sign-in", address).reset_time
        except StorageError as error:
            logger.warning("sign-in rate limit storage unavailable: %s", error.storage_error)
            return
        # The window still holds an attempt made exactly `expiry` seconds ago: one second more.
        raise TooManySignInAttempts(math.floor(reset - time.time()) + 1)


def get_sign_in_limiter(request: Request, settings: SettingsDep) -> SignInLimiter:
    """The app's limiter, created on first use for the settings' storage."""
    state = request.app.state
    with _LIMITER_LOCK:
        limiter: SignInLimiter | None = getattr(state, "sign_in_limiter", None)
        if limiter is None or state.sign_in_limiter_uri != settings.rate_limit_storage:
            storage = storage_from_string(settings.rate_limit_storage, wrap_exceptions=True)
            assert isinstance(storage, Storage)
            limiter = SignInLimiter(storage)
            state.sign_in_limiter = limiter
            state.sign_in_limiter_uri = settings.rate_limit_storage
        return limiter


SignInLimiterDep = Annotated[SignInLimiter, Depends(get_sign_in_limiter)]
