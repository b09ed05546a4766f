"""The start page 工作台: what a person must act on, contributed by the apps.

An app contributes a card with `registry.workbench_card(key, label, build, perm=, order=, phone=)`.
`build(user, phone=False)` returns a `Card` (or None when the card does not apply to that user,
e.g. a dispatcher-only view for an engineer); it must run a bounded number of queries whatever
the data (a count and the first few rows). On the phone only cards declared `phone=True` are
drawn, and their links must open phone pages.

Quick actions (`registry.quick_action(label, url, perm=)`) are the buttons above the cards: the
few "new …" pages a role starts its work from.
"""

from dataclasses import dataclass, field

ITEMS_PER_CARD = 5


@dataclass
class Item:
    """One row of a card: what it is, where it opens, a line under it and a tone for its badge."""

    text: str
    url: str = ""
    meta: str = ""
    badge: str = ""
    tone: str = ""  # "danger", "warning", "info", "success" or ""


@dataclass
class Card:
    """What a card shows: how many things wait (`count`), the first of them, and the page listing
    all of them. `tone` colours the count ("danger" when something is late)."""

    count: int
    items: list = field(default_factory=list)
    more_url: str = ""
    tone: str = ""
    empty: str = ""  # the line shown when count is 0


@dataclass
class WorkbenchCard:
    key: str
    label: str
    build: object
    order: int = 50
    perm: str | None = None
    phone: bool = False


@dataclass
class QuickAction:
    label: str
    url: object
    perm: str | None = None
    order: int = 50
    icon: str = "plus"

    @property
    def href(self):
        from .contributions import _url

        return _url(self.url)


def cards_for(user, registry, *, phone=False):
    """The cards this user sees, built, in their order: [(WorkbenchCard, Card)]."""
    shown = []
    for card in registry.workbench_cards:
        if phone and not card.phone:
            continue
        if card.perm and not user.has_perm(card.perm):
            continue
        built = card.build(user, phone=phone)
        if built is not None:
            shown.append((card, built))
    return shown


def quick_actions_for(user, registry):
    return [a for a in registry.quick_actions if not a.perm or user.has_perm(a.perm)]
