"""A quarter's life: draft while officers load it, published when an officer approves it.

Readers see published quarters; a draft shows only to officers, or to a reader who
asks for it, and always says how complete it is. The state is never stored: it is
read from the audit log (publish and unpublish entries, in order), so rolling back an
entry or rebuilding the database gives the same answer.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

PUBLISHED = "published"
DRAFT = "draft"


class PublishError(ValueError):
    pass


def approvals_needed(setting: str | int | None = None) -> int:
    """How many different officers must publish a quarter: 1, or 2 for a second pair of eyes.

    From ``$HARROW_KPI_PUBLISH_APPROVALS`` unless given; anything but 1 or 2 is refused."""
    raw = os.environ.get("HARROW_KPI_PUBLISH_APPROVALS", "1") if setting is None else setting
    try:
        needed = int(str(raw).strip())
    except ValueError:
        needed = 0  # pragma: no mutate
    if needed not in (1, 2):
        raise PublishError(f"HARROW_KPI_PUBLISH_APPROVALS must be 1 or 2, not '{raw}'")
    return needed


@dataclass(frozen=True)
class Quarter:
    period: str
    state: str
    reported: int  # scorecard measures with a figure or a status note this quarter
    measures: int  # scorecard measures that quarter
    approvals: tuple[str, ...] = ()  # officers who have published it since it was last a draft
    needed: int = 1

    @property
    def published(self) -> bool:
        return self.state == PUBLISHED

    @property
    def label(self) -> str:
        """"Draft: 3 of 114 measures reported", or "" for a published quarter."""
        if self.published:
            return ""
        waiting = f"; approved by {len(self.approvals)} of {self.needed} officers" if self.approvals else ""
        return f"Draft: {self.reported} of {self.measures} measures reported{waiting}"


def from_the_documents(seeded: int, measures: int) -> bool:
    """A quarter starts published when at least half its scorecard measures' figures come
    from the published documents (a column of a printed scorecard); fewer, and it was loaded
    by officers and starts as a draft."""
    return measures > 0 and seeded * 2 >= measures


def state(seeded: bool, events: Iterable[tuple[str, str]], needed: int = 1) -> tuple[str, tuple[str, ...]]:
    """The state after the audit log's (action, officer) entries, oldest first.

    A quarter from the published documents starts published; an uploaded one starts as
    a draft. Unpublishing makes it a draft again and clears the approvals."""
    published, approvals = seeded, []
    for action, officer in events:
        if action == "unpublish":
            published, approvals = False, []
        elif action == "publish" and not published:
            if officer not in approvals:
                approvals.append(officer)
            published = len(approvals) >= needed
    return (PUBLISHED if published else DRAFT), tuple(approvals)
