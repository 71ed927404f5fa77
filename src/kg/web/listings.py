"""What a listing of entities (`/id/{kind}/`) shows: what the kind is, each entity's date, the order.

A kind is named by the most specific class all its entities share, entailed types included: the
events are each a coup, a war, a visit… and all an event, so /id/event/ lists "Events" (the most
frequent asserted type would name them after the commonest: "coup d'état").

An entity's date is read from the data at the precision they carry (the literal's datatype, as
rules/date-precision.rq derives kgo:DatePrecision): a year, a month or a day. In order of
preference: kgo:date; kgo:startDate to kgo:endDate (regimes, wars; either may be missing);
kgo:orderYear (a deal); kgo:deliveryYear (a delivery); its deliveries' kgo:date or
kgo:deliveryYear (a deal without an order year); kgo:attestedOn (an office holding). Entities sort by that date (a year before any day of it),
then by label; the undated come last.
"""

import calendar
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from flask import current_app
from pyoxigraph import Literal, NamedNode

from kg.namespaces import PREFIXES
from kg.resource_description import TYPE
from kg.web.site import IndexedEntity, Site

_KEY = "kg.listings"
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")
_PRECISIONS = {
    "date": "day",
    "dateTime": "day",
    "gYearMonth": "month",
    "gYear": "year",
}


def _kgo(local: str) -> NamedNode:
    return NamedNode(PREFIXES["kgo"] + local)


DATE, START, END = _kgo("date"), _kgo("startDate"), _kgo("endDate")
ORDER_YEAR, DELIVERY_YEAR, ATTESTED = _kgo("orderYear"), _kgo("deliveryYear"), _kgo("attestedOn")
DELIVERY = _kgo("delivery")
DATE_PROPERTIES = (DATE, START, END, ORDER_YEAR, DELIVERY_YEAR, ATTESTED)
SUBCLASS_OF = NamedNode(PREFIXES["rdfs"] + "subClassOf")


@dataclass(frozen=True, order=True)
class EntityDate:
    """A date as the data give it: "1968", "1968-11" or "1968-11-19"."""

    key: tuple[int, int, int]  # (year, month or 0, day or 0): a year sorts before its days
    value: str
    precision: str  # "year", "month" or "day"

    @property
    def text(self) -> str:
        """ "1968", "November 1968", "19 November 1968"."""
        year, month, day = self.key
        if self.precision == "year":
            return str(year)
        if self.precision == "month":
            return f"{calendar.month_name[month]} {year}"
        return f"{day} {calendar.month_name[month]} {year}"

    def as_json(self) -> dict[str, str]:
        return {"value": self.value, "precision": self.precision, "text": self.text}


@dataclass(frozen=True)
class When:
    """An entity's place in time: a date or a span, and what the date is of."""

    start: EntityDate
    end: EntityDate | None
    of: str  # "date", "span", "from" (no end), "until" (no start), "order", "delivery", "attested"

    @property
    def qualifier(self) -> str:
        """What the date says, when not simply the entity's: "ordered", "delivered", "from"…"""
        qualifiers = {
            "from": "from", "until": "until", "order": "ordered", "delivery": "delivered",
            "attested": "attested",
        }
        return qualifiers.get(self.of, "")

    @property
    def text(self) -> str:
        span = self.start.text if self.end is None else f"{self.start.text} – {self.end.text}"
        return f"{self.qualifier} {span}".strip()

    def as_json(self) -> dict[str, object]:
        return {
            "start": self.start.as_json(),
            "end": self.end.as_json() if self.end else None,
            "of": self.of,
            "text": self.text,
        }


@dataclass(frozen=True)
class ListedEntity:
    entity: IndexedEntity
    when: When | None


def parse_date(literal: Literal) -> EntityDate | None:
    """The date a literal gives, at its datatype's precision; None if it gives none."""
    datatype = literal.datatype.value.rpartition("#")[2]
    precision = _PRECISIONS.get(datatype)
    match = _DATE.match(literal.value)
    if precision is None or match is None:
        return None
    year, month, day = (int(part) if part else 0 for part in match.groups())
    if (precision != "year" and not 1 <= month <= 12) or (precision == "day" and not day):
        return None
    key = (year, month if precision != "year" else 0, day if precision == "day" else 0)
    value = "-".join(f"{part:02d}" if i else f"{part:04d}" for i, part in enumerate(key) if part)
    return EntityDate(key, value, precision)


class Listings:
    """The listings of one app's store, made on first use and kept (the store never changes)."""

    def __init__(self, state: Site) -> None:
        self._state = state
        self._sorted: dict[str, list[ListedEntity]] = {}
        self._names: dict[str, NamedNode | None] = {}

    @cached_property
    def _dates(self) -> dict[NamedNode, dict[NamedNode, list[EntityDate]]]:
        found: dict[NamedNode, dict[NamedNode, list[EntityDate]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for predicate in DATE_PROPERTIES:
            for quad in self._state.store.quads_for_pattern(None, predicate, None, None):
                if isinstance(quad.object, Literal) and isinstance(quad.subject, NamedNode):
                    date = parse_date(quad.object)
                    if date is not None and date not in found[quad.subject][predicate]:
                        found[quad.subject][predicate].append(date)
        return found

    @cached_property
    def _deliveries(self) -> dict[NamedNode, list[NamedNode]]:
        found: dict[NamedNode, list[NamedNode]] = defaultdict(list)
        for quad in self._state.store.quads_for_pattern(None, DELIVERY, None, None):
            if isinstance(quad.object, NamedNode) and quad.object not in found[quad.subject]:
                found[quad.subject].append(quad.object)  # type: ignore[index]
        return found

    def when(self, iri: NamedNode) -> When | None:
        dates = self._dates.get(iri, {})
        if dates.get(DATE):
            return When(min(dates[DATE]), None, "date")
        if dates.get(START):
            start, end = min(dates[START]), max(dates[END]) if dates.get(END) else None
            if end is None:
                return When(start, None, "from")
            return When(start, end if end != start else None, "span")
        if dates.get(END):
            return When(max(dates[END]), None, "until")
        if dates.get(ORDER_YEAR):
            return When(min(dates[ORDER_YEAR]), None, "order")
        if dates.get(DELIVERY_YEAR):
            return When(min(dates[DELIVERY_YEAR]), None, "date")
        delivered = [d for x in self._deliveries.get(iri, []) for d in self._delivery_dates(x)]
        if delivered:
            first, last = min(delivered), max(delivered)
            return When(first, last if last.key[0] != first.key[0] else None, "delivery")
        if dates.get(ATTESTED):
            return When(min(dates[ATTESTED]), None, "attested")
        return None

    def _delivery_dates(self, delivery: NamedNode) -> list[EntityDate]:
        dates = self._dates.get(delivery, {})
        return dates.get(DATE) or dates.get(DELIVERY_YEAR) or []

    def listed(self, kind: str) -> list[ListedEntity]:
        """The kind's entities with their dates, by date (the undated last), then by label."""
        if kind not in self._sorted:
            rows = [ListedEntity(e, self.when(e.iri)) for e in self._state.entities.get(kind, [])]
            rows.sort(key=_order)
            self._sorted[kind] = rows
        return self._sorted[kind]

    def kind_class(self, kind: str) -> NamedNode | None:
        """The most specific class every entity of the kind is an instance of."""
        if kind not in self._names:
            self._names[kind] = self._common_class(self._state.entities.get(kind, []))
        return self._names[kind]

    def _common_class(self, entities: Iterable[IndexedEntity]) -> NamedNode | None:
        store = self._state.store
        common: set[NamedNode] | None = None
        for entity in entities:
            types = {
                q.object for q in store.quads_for_pattern(entity.iri, TYPE, None, None)
                if isinstance(q.object, NamedNode)
            }
            common = types if common is None else common & types
            if not common:
                return None
        if not common:
            return None
        supers = {c: self._superclasses(c) for c in common}
        specific = [c for c in common if common <= supers[c]]
        own = [c for c in specific if c.value.startswith(PREFIXES["kgo"])]
        return min(own or specific, key=lambda c: c.value, default=None)

    def _superclasses(self, cls: NamedNode) -> set[NamedNode]:
        """The class and every class above it (followed here, whatever the reasoner entailed)."""
        seen, waiting = {cls}, [cls]
        while waiting:
            for quad in self._state.store.quads_for_pattern(waiting.pop(), SUBCLASS_OF, None, None):
                if isinstance(quad.object, NamedNode) and quad.object not in seen:
                    seen.add(quad.object)
                    waiting.append(quad.object)
        return seen


def _order(row: ListedEntity) -> tuple[object, ...]:
    label = (row.entity.label or row.entity.path).casefold()
    if row.when is None:
        return (1, (0, 0, 0), (0, 0, 0), label, row.entity.path)
    end = row.when.end.key if row.when.end else row.when.start.key
    return (0, row.when.start.key, end, label, row.entity.path)


def listings(state: Site) -> Listings:
    """The running app's listings, made on first use."""
    found = current_app.extensions.get(_KEY)
    if found is None or found[0] is not state:
        found = current_app.extensions[_KEY] = (state, Listings(state))
    return found[1]


def plural(name: str) -> str:
    """A kind's name for a heading: "event" → "Events", "delivery" → "Deliveries"."""
    if re.search(r"[^aeiou]y$", name):
        name = name[:-1] + "ies"
    elif re.search(r"(s|x|z|ch|sh)$", name):
        name += "es"
    else:
        name += "s"
    return name[:1].upper() + name[1:]
