"""``no-time-zone``: no ``timeZone``, so the controller's local zone decides when the CronJob runs."""

from __future__ import annotations

from generator.schedule.lint.base import Finding, LintContext

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: ``explain`` starts without importing typing (#16)
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Literal

ID = "no-time-zone"
LEVEL: Literal["error", "warning"] = "warning"


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.time_zone is not None or ctx.schedule is None or ctx.schedule.every is not None:
        return  # @every counts from the previous run: the zone never matters
    yield Finding(
        LEVEL,
        ID,
        "no time zone set: the kube-controller-manager's local time zone decides when it runs; "
        'set secretRotationTimeZone (e.g. "Etc/UTC")',
        "timeZone",
    )
