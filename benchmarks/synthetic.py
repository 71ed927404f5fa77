"""A seeded generator of data shaped like the shipped graph, at any size.

    .venv/bin/python benchmarks/synthetic.py --triples 10000 [--seed 1] [-o synthetic.trig]

Writes one named graph with the ontology's classes and properties in proportions like the
article's: states with cities and regions; regimes in succession with heads, dates at year,
month or day precision, the events that began and ended them, the last one open-ended;
ministers with office holdings; armed forces and ministries; equipment models in the
ontology's categories with their units of count; arms deals, each with a delivery (its year,
some also a month, and how the date was reached) and the number delivered as a quantity; wars
with their death toll as an approximate quantity,
rebellions, military operations, agreements, cooperations and decisions; diplomatic visits
with statements made at them and requests and commitments expressed in those. Like the real
data, every node has a French and an English label, kgo:evidence, prov:wasDerivedFrom its
source and kgo:claimedBy its author, and its IRI follows https://w3id.org/kg-mali/id/KIND/SLUG. The same size and seed
always give the same text.
"""

import argparse
import random
import sys
from pathlib import Path

from kg.build import Build, BuildOptions, Reporter, SilentReporter, build
from kg.namespaces import ID, PREFIXES

# Written as the data files are: every prefix of kg's one table (shapes/prefixes.ttl).
HEADER = "".join(f"@prefix {prefix}: <{namespace}> .\n" for prefix, namespace in PREFIXES.items())
# The kinds of node generated; each is written with its prefix from the table (equipment/ is equip:).
KINDS = (
    "source",
    "state",
    "place",
    "org",
    "person",
    "office-holding",
    "regime",
    "event",
    "statement",
    "equipment",
    "transfer",
    "delivery",
    "quantity",
    "cooperation",
)
KIND_PREFIXES = {
    kind: next(prefix for prefix, namespace in PREFIXES.items() if namespace == f"{ID}{kind}/")
    for kind in KINDS
}
# Each category with the unit its models are counted in.
CATEGORIES = {
    "armoured-personnel-carrier": "vehicle",
    "tank": "vehicle",
    "reconnaissance-vehicle": "vehicle",
    "surface-to-air-missile-system": "system",
    "surface-to-air-missile": "missile",
    "fire-control-radar": "radar",
    "radar": "radar",
    "combat-helicopter": "aircraft",
    "aircraft": "aircraft",
}
AUTHOR = "person:synthetic-author"
AREAS = (
    "defence-and-security",
    "military-equipment-supply",
    "military-training",
    "counter-terrorism",
)
FIRST_YEAR, LAST_YEAR = 1960, 2022
# How often each kind of story is told, per hundred.
STORIES = (
    ("transfer", 40),
    ("visit", 25),
    ("war", 6),
    ("rebellion", 6),
    ("agreement", 6),
    ("cooperation", 6),
    ("decision", 5),
    ("operation", 6),
)


class _Writer:
    """Turtle statements of one graph, counting the triples written."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines: list[str] = []
        self.triples = 0

    def node(self, iri: str, cls: str, label: str, props: list[tuple[str, str]]) -> None:
        """A fact node: its class, labels, properties, evidence and source."""
        parts = [
            f"a {cls}",
            f'rdfs:label "{label} (fr)"@fr , "{label}"@en',
            *(f"{p} {o}" for p, o in props),
            f'kgo:evidence "{label}, selon la source."@fr',
            f"kgo:claimedBy {AUTHOR}",
            f"prov:wasDerivedFrom {self.source}",
        ]
        self.lines.append(f"{iri} " + " ;\n    ".join(parts) + " .\n")
        self.triples += 6 + len(props)


class _World:
    def __init__(self, writer: _Writer, rng: random.Random) -> None:
        self.w, self.rng = writer, rng
        self.states: list[str] = []
        self.cities: dict[str, list[str]] = {}
        self.regions: dict[str, str] = {}
        self.forces: dict[str, str] = {}
        self.ministers: dict[str, list[str]] = {}
        self.regimes: list[str] = []
        self.models: list[str] = []
        self.transfers: list[str] = []
        self.counter = 0

    def slug(self, kind: str, words: str) -> str:
        self.counter += 1
        return f"{KIND_PREFIXES[kind]}:{words}-{self.counter}"

    def date(self, year: int, precision: str | None = None) -> str:
        precision = precision or self.rng.choice(("year", "month", "day"))
        month, day = self.rng.randint(1, 12), self.rng.randint(1, 28)
        if precision == "year":
            return f'"{year}"^^xsd:gYear'
        if precision == "month":
            return f'"{year}-{month:02d}"^^xsd:gYearMonth'
        return f'"{year}-{month:02d}-{day:02d}"^^xsd:date'

    def person(self, state: str, office: str, words: str, attested: int | None) -> str:
        person = self.slug("person", words)
        self.w.node(person, "kgo:Person", f"Person {self.counter}", [])
        holding = self.slug("office-holding", words)
        props = [
            ("kgo:holder", person),
            ("kgo:office", f"office:{office}"),
            ("kgo:officeOfState", state),
            ("kgo:titleAsWritten", f'"{office}"@fr'),
        ]
        if attested is not None:
            props.append(("kgo:attestedOn", self.date(attested, "day")))
        self.w.node(holding, "kgo:OfficeHolding", f"Office holding {self.counter}", props)
        return person

    def add_state(self) -> None:
        state = self.slug("state", "state")
        self.w.node(state, "kgo:State", f"State {self.counter}", [])
        self.states.append(state)
        self.cities[state] = []
        for _ in range(2):
            city = self.slug("place", "city")
            self.w.node(city, "kgo:City", f"City {self.counter}", [("kgo:locatedIn", state)])
            self.cities[state].append(city)
        region = self.slug("place", "region")
        self.w.node(region, "kgo:Region", f"Region {self.counter}", [("kgo:locatedIn", state)])
        self.regions[state] = region
        forces = self.slug("org", "armed-forces")
        self.w.node(
            forces,
            "kgo:ArmedForces",
            f"Armed forces {self.counter}",
            [("kgo:subOrganisationOf", state)],
        )
        self.forces[state] = forces
        ministry = self.slug("org", "ministry")
        self.w.node(
            ministry, "kgo:Ministry", f"Ministry {self.counter}", [("kgo:subOrganisationOf", state)]
        )
        self.ministers[state] = [
            self.person(
                state, "minister-of-foreign-affairs", "minister", self.rng.randint(1990, LAST_YEAR)
            )
            for _ in range(2)
        ]
        self.add_regimes(state)

    def add_regimes(self, state: str) -> None:
        """Regimes in succession from independence, each fall's date ending one and starting the next."""
        count = self.rng.randint(3, 6)
        years = sorted(self.rng.sample(range(FIRST_YEAR + 2, LAST_YEAR - 1), count - 1))
        independence = self.slug("event", "independence")
        start = self.date(FIRST_YEAR, "day")
        self.w.node(
            independence,
            "kgo:Independence",
            f"Independence {self.counter}",
            [("kgo:date", start), ("kgo:agent", state), ("kgo:place", state)],
        )
        began, previous = independence, None
        for index in range(count):
            regime = self.slug("regime", "regime")
            head = self.person(state, "president", "president", None)
            props = [
                ("kgo:governs", state),
                ("kgo:headedBy", head),
                ("kgo:startDate", start),
                ("kgo:beganWith", began),
            ]
            if previous:
                props.append(("kgo:precededBy", previous))
            if index < count - 1:
                fall = self.slug("event", "fall-of-regime")
                end = self.date(years[index])
                self.w.node(
                    fall,
                    "kgo:Coup",
                    f"Coup {self.counter}",
                    [("kgo:date", end), ("kgo:place", state)],
                )
                props += [("kgo:endDate", end), ("kgo:endedWith", fall)]
                began, start = fall, end
            self.w.node(regime, "kgo:Regime", f"Regime {self.counter}", props)
            if previous:
                self.w.lines.append(f"{previous} kgo:succeededBy {regime} .\n")
                self.w.triples += 1
            self.regimes.append(regime)
            previous = regime

    def add_model(self) -> None:
        model = self.slug("equipment", "model")
        category = self.rng.choice(sorted(CATEGORIES))
        self.w.node(
            model,
            "kgo:EquipmentModel",
            f"Model {self.counter}",
            [
                ("kgo:designation", f'"M-{self.counter}"'),
                ("kgo:equipmentCategory", f"cat:{category}"),
                ("kgo:unitOfCount", f"kgo:unit-{CATEGORIES[category]}"),
            ],
        )
        self.models.append(model)

    def two_states(self) -> tuple[str, str]:
        a, b = self.rng.sample(self.states, 2)
        return a, b

    def transfer(self) -> None:
        supplier, recipient = self.two_states()
        if self.rng.random() < 0.2:
            recipient = self.forces[recipient]
        year = self.rng.randint(FIRST_YEAR, LAST_YEAR)
        transfer = self.slug("transfer", "transfer")
        delivery = self.slug("delivery", "delivery")
        number = self.slug("quantity", "delivered")
        self.w.node(transfer, "kgo:ArmsDeal", f"Deal {self.counter}", [
            ("kgo:supplier", supplier),
            ("kgo:recipient", recipient),
            ("kgo:equipmentModel", self.rng.choice(self.models)),
            ("kgo:status", "kgo:delivered"),
            ("kgo:delivery", delivery),
            ("kgo:equipmentAsWritten", '"matériel"@fr'),
        ])
        props = [
            ("kgo:deliveryOf", transfer),
            ("kgo:deliveryYear", self.date(year, "year")),
            ("kgo:dateBasis", self.rng.choice(("kgo:stated", "kgo:carried-over"))),
            ("kgo:numberDelivered", number),
        ]
        if self.rng.random() < 0.3:
            props.append(("kgo:date", self.date(year, "month")))
        self.w.node(delivery, "kgo:Delivery", f"Delivery {self.counter}", props)
        self.quantity(number, self.rng.randint(1, 100), "kgo:exact")
        self.transfers.append(transfer)

    def quantity(self, iri: str, value: int, precision: str) -> None:
        self.w.node(iri, "kgo:Quantity", f"Quantity {self.counter}", [
            ("rdf:value", str(value)),
            ("kgo:precision", precision),
            ("kgo:valueBasis", "kgo:stated"),
            ("kgo:valueAsWritten", f'"{value}"@fr'),
        ])

    def visit(self) -> None:
        home, host_state = self.two_states()
        date = self.date(self.rng.randint(1990, LAST_YEAR), "day")
        visitor, host = self.ministers[home][0], self.ministers[host_state][0]
        visit = self.slug("event", "visit")
        self.w.node(
            visit,
            "kgo:DiplomaticVisit",
            f"Visit {self.counter}",
            [
                ("kgo:date", date),
                ("kgo:place", self.rng.choice(self.cities[host_state])),
                ("kgo:visitor", visitor),
                ("kgo:host", host),
                ("kgo:area", f"kgo:{self.rng.choice(AREAS)}"),
            ],
        )
        statements = []
        for _ in range(self.rng.randint(2, 4)):
            statement = self.slug("statement", "statement")
            props = [
                ("kgo:speaker", self.rng.choice((visitor, host))),
                ("kgo:date", date),
                ("kgo:partOfEvent", visit),
                ("kgo:gist", '"What was said."@en'),
            ]
            if self.rng.random() < 0.5:
                props += [
                    ("kgo:reportedAs", "kgo:direct-quote"),
                    ("kgo:quote", '"Nous coopérons."@fr'),
                ]
            else:
                props.append(("kgo:reportedAs", "kgo:reported-speech"))
            if self.transfers and self.rng.random() < 0.3:
                props.append(("kgo:mentions", self.rng.choice(self.transfers)))
            self.w.node(statement, "kgo:Statement", f"Statement {self.counter}", props)
            statements.append(statement)
        request = self.slug("event", "request")
        self.w.node(
            request,
            "kgo:Request",
            f"Request {self.counter}",
            [
                ("kgo:agent", home),
                ("kgo:addressee", host_state),
                ("kgo:date", date),
                ("kgo:area", f"kgo:{self.rng.choice(AREAS)}"),
                ("kgo:expressedIn", statements[0]),
                ("kgo:gist", '"Support."@en'),
            ],
        )
        commitment = self.slug("event", "commitment")
        self.w.node(
            commitment,
            "kgo:Commitment",
            f"Commitment {self.counter}",
            [
                ("kgo:agent", host_state),
                ("kgo:beneficiary", self.forces[home]),
                ("kgo:date", date),
                ("kgo:area", f"kgo:{self.rng.choice(AREAS)}"),
                ("kgo:expressedIn", statements[-1]),
                ("kgo:gist", '"Help."@en'),
            ],
        )

    def war(self) -> None:
        a, b = self.two_states()
        war = self.slug("event", "war")
        toll = self.slug("quantity", "death-toll")
        self.w.node(
            war,
            "kgo:War",
            f"War {self.counter}",
            [
                ("kgo:date", self.date(self.rng.randint(FIRST_YEAR, LAST_YEAR), "year")),
                ("kgo:belligerent", a),
                ("kgo:belligerent", b),
                ("kgo:deathToll", toll),
            ],
        )
        self.quantity(toll, self.rng.randint(10, 5000), "kgo:approximate")

    def rebellion(self) -> None:
        state = self.rng.choice(self.states)
        rebels = self.slug("org", "rebels")
        self.w.node(rebels, "kgo:ArmedGroup", f"Rebels {self.counter}", [])
        rebellion = self.slug("event", "rebellion")
        self.w.node(
            rebellion,
            "kgo:Rebellion",
            f"Rebellion {self.counter}",
            [
                ("kgo:startDate", self.date(self.rng.randint(FIRST_YEAR, LAST_YEAR), "year")),
                ("kgo:belligerent", state),
                ("kgo:belligerent", rebels),
                ("kgo:affectedArea", self.regions[state]),
            ],
        )

    def agreement(self) -> None:
        a, b = self.two_states()
        agreement = self.slug("event", "agreement")
        self.w.node(
            agreement,
            "kgo:Agreement",
            f"Agreement {self.counter}",
            [
                ("kgo:date", self.date(self.rng.randint(FIRST_YEAR, LAST_YEAR))),
                ("kgo:party", a),
                ("kgo:party", b),
                ("kgo:area", f"kgo:{self.rng.choice(AREAS)}"),
            ],
        )

    def cooperation(self) -> None:
        a, b = self.two_states()
        cooperation = self.slug("cooperation", "cooperation")
        self.w.node(
            cooperation,
            "kgo:Cooperation",
            f"Cooperation {self.counter}",
            [
                ("kgo:partner", a),
                ("kgo:partner", b),
                ("kgo:area", f"kgo:{self.rng.choice(AREAS)}"),
                ("kgo:startDate", self.date(self.rng.randint(FIRST_YEAR, LAST_YEAR), "year")),
            ],
        )

    def decision(self) -> None:
        decision = self.slug("event", "decision")
        self.w.node(
            decision,
            "kgo:Decision",
            f"Decision {self.counter}",
            [
                ("kgo:agent", self.rng.choice(self.regimes)),
                ("kgo:participant", self.rng.choice(self.states)),
                ("kgo:area", f"kgo:{self.rng.choice(AREAS)}"),
            ],
        )

    def operation(self) -> None:
        a, b = self.two_states()
        operation = self.slug("event", "operation")
        self.w.node(
            operation,
            "kgo:MilitaryOperation",
            f"Operation {self.counter}",
            [
                ("kgo:conductedBy", a),
                ("kgo:place", b),
                ("kgo:date", self.date(self.rng.randint(FIRST_YEAR, LAST_YEAR), "year")),
            ],
        )


def generate(triples: int, seed: int = 1) -> str:
    """TriG text of one named graph with about `triples` triples (never fewer)."""
    rng = random.Random(seed)
    source = f"{KIND_PREFIXES['source']}:synthetic-{triples}-{seed}"
    writer = _Writer(source)
    writer.lines.append(
        f'{source} a kgo:Article ;\n    rdfs:label "Source synthétique"@fr , "Synthetic source"@en ;\n'
        f'    dcterms:title "Synthetic source"@en ;\n    kgo:localCopy "synthetic.txt" ;\n'
        f'    dcterms:issued "2022-01-21T09:01:00Z"^^xsd:dateTime ;\n    dcterms:language "fr" ;\n'
        f"    dcterms:publisher org:synthetic-press ;\n    kgo:claimedBy {AUTHOR} ;\n"
        f'    kgo:evidence "Synthétique."@fr ;\n    prov:wasDerivedFrom {source} .\n'
    )
    writer.triples += 11
    writer.node("org:synthetic-press", "kgo:NewsOrganisation", "Synthetic press", [])
    writer.node(AUTHOR, "kgo:Person", "Synthetic author", [])
    world = _World(writer, rng)
    # About a tenth of the graph is states and their regimes, as in the article.
    for _ in range(max(3, triples // 1500)):
        world.add_state()
    for _ in range(max(5, triples // 500)):
        world.add_model()
    kinds = [kind for kind, weight in STORIES for _ in range(weight)]
    while writer.triples < triples:
        getattr(world, rng.choice(kinds))()
    body = "".join(writer.lines)
    return f"{HEADER}\ngraph:synthetic-{triples}-{seed} {{\n\n{body}}}\n"


def scratch_build(
    scratch: Path, triples: int, seed: int = 1, reporter: Reporter = SilentReporter()
) -> Build:
    """kg's build (no SHACL) of a generated graph, in a scratch project with kg's ontology and rules."""
    root = scratch / "project"
    (root / "data").mkdir(parents=True)
    for folder in ("ontology", "rules"):
        (root / folder).symlink_to(Path(__file__).resolve().parents[1] / folder, target_is_directory=True)
    source = root / "data" / f"synthetic-{triples}-{seed}.trig"
    source.write_text(generate(triples, seed), encoding="utf-8")
    return build(root, BuildOptions(validate=False), reporter=reporter, data=[source])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=10_000, help="at least this many triples")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", "-o", type=Path, help="write here instead of stdout")
    args = parser.parse_args()
    text = generate(args.triples, args.seed)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
