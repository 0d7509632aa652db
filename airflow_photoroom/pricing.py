"""What a call costs, by plan, and what it accepts: the numbers quota checks, batch summaries,
the hook's pre-upload checks and the emulator are all built on.

From Photoroom's pricing: on the Plus plan an edit (``/v2/edit``) costs 1 image and a background
removal (``/v1/segment``) 0.2; on the Basic plan a removal costs 1 and an edit 5. Keys that start
with ``sandbox_`` cost nothing (results are watermarked). Failed calls cost nothing anywhere.
"""

from __future__ import annotations

from typing import Literal

Operation = Literal["edit", "segment"]
Plan = Literal["plus", "basic", "sandbox"]

SANDBOX_KEY_PREFIX = "sandbox_"

#: The largest input each endpoint accepts (Photoroom's documented limits: 30 MB, 50 MB).
MAX_INPUT_BYTES: dict[Operation, int] = {"edit": 30 * 1024 * 1024, "segment": 50 * 1024 * 1024}

_COSTS: dict[Plan, dict[Operation, float]] = {
    "plus": {"edit": 1.0, "segment": 0.2},
    "basic": {"edit": 5.0, "segment": 1.0},
    "sandbox": {"edit": 0.0, "segment": 0.0},
}


def normalize_plan(plan: str) -> Plan:
    """Map the account's plan name to a price list.

    Names the table does not know are priced as Basic, the dearer list: a quota check that
    over-estimates waits or skips, one that under-estimates runs out of credits mid-batch.
    """
    name = plan.strip().lower()
    if "sandbox" in name:
        return "sandbox"
    if "plus" in name or "enterprise" in name:
        return "plus"
    return "basic"


def credits_for(operation: Operation, count: float, plan: str) -> float:
    """Credits that ``count`` successful calls of ``operation`` cost on ``plan``."""
    if operation not in ("edit", "segment"):
        raise ValueError(f"operation must be 'edit' or 'segment', got {operation!r}")
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    # round() keeps 0.2 * 3 from printing as 0.6000000000000001 in messages and manifests.
    return round(_COSTS[normalize_plan(plan)][operation] * count, 6)


def is_sandbox_key(api_key: str) -> bool:
    return api_key.startswith(SANDBOX_KEY_PREFIX)
