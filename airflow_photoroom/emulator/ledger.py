"""The emulator's credit accounts: one per API key, charged like Photoroom charges.

A call reserves its price before the image work starts and gives it back if the work fails, so
concurrent calls can never overdraw an account and failed calls cost nothing, as on the real API.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from airflow_photoroom.pricing import SANDBOX_KEY_PREFIX, Operation, credits_for

SANDBOX_DAILY_CALLS = 100


class InsufficientCredits(Exception):
    """The account's balance is below the price of the call."""


@dataclass
class Account:
    plan: str
    subscription: float
    available: float
    charged: float = 0.0
    calls: dict[str, int] = field(default_factory=lambda: {"edit": 0, "segment": 0})


class Ledger:
    """Balances by API key. ``sandbox_<key>`` is the free, watermarked twin of ``<key>``."""

    def __init__(self, api_keys: Iterable[str], credits: float, plan: str) -> None:
        self._lock = threading.Lock()
        self._accounts = {
            key: Account(plan=plan, subscription=credits, available=credits) for key in api_keys
        }
        self._sandbox_calls: dict[tuple[str, str], int] = {}

    def account_key(self, api_key: str) -> str | None:
        """The account ``api_key`` belongs to, or ``None`` for an unknown key."""
        if api_key in self._accounts:
            return api_key
        if api_key.startswith(SANDBOX_KEY_PREFIX) and api_key[len(SANDBOX_KEY_PREFIX) :] in self._accounts:
            return api_key[len(SANDBOX_KEY_PREFIX) :]
        return None

    def account(self, api_key: str) -> Account:
        key = self.account_key(api_key)
        if key is None:
            raise KeyError("unknown API key")
        with self._lock:
            account = self._accounts[key]
            return Account(
                account.plan, account.subscription, account.available, account.charged, dict(account.calls)
            )

    def price(self, api_key: str, operation: Operation) -> float:
        plan = "sandbox" if api_key.startswith(SANDBOX_KEY_PREFIX) else self.account(api_key).plan
        return credits_for(operation, 1, plan)

    def sandbox_calls_left(self, api_key: str, day: str) -> int:
        with self._lock:
            return SANDBOX_DAILY_CALLS - self._sandbox_calls.get((api_key, day), 0)

    @contextmanager
    def charge(self, api_key: str, operation: Operation, day: str) -> Iterator[float]:
        """Reserve the call's price; keep it if the block succeeds, refund it if it raises."""
        key = self.account_key(api_key)
        if key is None:
            raise KeyError("unknown API key")
        cost = self.price(api_key, operation)
        with self._lock:
            account = self._accounts[key]
            if cost > 0 and account.available + 1e-9 < cost:
                raise InsufficientCredits(f"needs {cost:g}, {account.available:g} available")
            account.available = round(account.available - cost, 6)
        try:
            yield cost
        except BaseException:
            with self._lock:
                account.available = round(account.available + cost, 6)
            raise
        with self._lock:
            account.charged = round(account.charged + cost, 6)
            account.calls[operation] += 1
            if api_key.startswith(SANDBOX_KEY_PREFIX):
                self._sandbox_calls[(api_key, day)] = self._sandbox_calls.get((api_key, day), 0) + 1

    def set_credits(self, api_key: str, available: float, subscription: float | None = None) -> None:
        """Set a balance (a top-up in tests: ``set_credits(key, 500)``)."""
        key = self.account_key(api_key)
        if key is None:
            raise KeyError("unknown API key")
        with self._lock:
            self._accounts[key].available = available
            if subscription is not None:
                self._accounts[key].subscription = subscription

    def top_up(self, api_key: str, amount: float) -> None:
        key = self.account_key(api_key)
        if key is None:
            raise KeyError("unknown API key")
        with self._lock:
            self._accounts[key].available = round(self._accounts[key].available + amount, 6)
