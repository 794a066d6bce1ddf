"""The objects that describe the dataset contract: :class:`Column` and :class:`Dataset`."""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.catalogue.types import KINDS, STORAGE

#: data classes (guidance 2.1, DATASETS.md): depersonalised, personal, sensitive personal,
#: aggregate counts and reference layers
CLASSES = ("D", "P", "SP", "aggregate", "reference")
TIERS = ("core", "peripheral", "statutory", "reference")
CADENCES = ("monthly", "quarterly", "yearly", "as_needed")


@dataclass(frozen=True)
class Column:
    """One canonical column.

    Parameters
    ----------
    name : snake_case datafield name from guidance 3.2 / regulations J.
    kind : one of :data:`workbench.catalogue.types.KINDS`.
    ident : True when the value identifies a person (name, date of birth, full address,
        house number/name); ident columns never leave the personal tier.
    allowed : the coded values the guidance lists, or None for free values.
    strict : when True a value outside ``allowed`` rejects the supply; otherwise it is a
        quality warning (agencies code things differently, guidance 3.4 "coding systems").
    required : an empty value rejects the supply (reference keys, the event date).
    extra : not in ``DATASETS.md``; added by an adapter or for a documented reason.

    Examples
    --------
    >>> c = Column("offence_code", kind="code", required=True)
    >>> c.storage, c.ident
    ('VARCHAR', False)
    >>> Column("x", kind="colour")
    Traceback (most recent call last):
    ...
    ValueError: Column 'x': kind must be one of ..., got 'colour'.
    """

    name: str
    kind: str = "text"
    ident: bool = False
    allowed: tuple[str, ...] | None = None
    strict: bool = False
    required: bool = False
    extra: bool = False
    description: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Column '{self.name}': kind must be one of {KINDS}, got '{self.kind}'.")

    @property
    def storage(self) -> str:
        return STORAGE[self.kind]


@dataclass(frozen=True)
class Dataset:
    """One dataset of the information hub (``DATASETS.md``).

    ``key`` is the reference key: a later supply with rows of the same key supersedes the
    current rows of that key (history kept). ``partition`` names columns whose values
    identify a whole re-publishable slice (police.uk force × month): a new supply for a
    slice supersedes the old slice. Datasets with neither are append-only; re-supplying
    an identical file is always a no-op (idempotence comes from the supply, never from
    de-duplicating rows by content).

    Examples
    --------
    >>> d = Dataset(id="demo_events", title="Demo events", source="3.2.1", agency="police", klass="D",
    ...             tiers=("core",), cadence="monthly", date_column="event_date",
    ...             columns=(Column("event_ref", kind="ref", required=True), Column("event_date", kind="date"),
    ...                      Column("surname", ident=True)), key=("event_ref",))
    >>> d.column_names, d.ident_columns, d.personal
    (['event_ref', 'event_date', 'surname'], ['surname'], False)
    >>> d.column("event_date").storage
    'DATE'
    """

    id: str
    title: str
    source: str                 # guidance / regulations section, e.g. "3.2.1, J.1"
    agency: str                 # the supplying agency type
    klass: str                  # one of CLASSES
    tiers: tuple[str, ...]
    cadence: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    partition: tuple[str, ...] = ()
    date_column: str | None = None   # the event date that drives currency and coverage
    description: str = ""
    #: columns of the shared tier an attacker may know about a person (age, sex, ethnicity,
    #: place, event date): publish generalises them until every combination holds >= k
    #: records (:mod:`workbench.privacy.quasi`); empty for tables about places or events
    quasi_identifiers: tuple[str, ...] = ()
    #: the sensitive attribute(s) each combination must hold >= l distinct values of
    sensitive: tuple[str, ...] = ()

    def __post_init__(self):
        if self.klass not in CLASSES:
            raise ValueError(f"Dataset '{self.id}': class must be one of {CLASSES}.")
        for t in self.tiers:
            if t not in TIERS:
                raise ValueError(f"Dataset '{self.id}': tier '{t}' not in {TIERS}.")
        if self.cadence not in CADENCES:
            raise ValueError(f"Dataset '{self.id}': cadence must be one of {CADENCES}.")
        names = [c.name for c in self.columns]
        if len(names) != len(set(names)):
            raise ValueError(f"Dataset '{self.id}': duplicate column names.")
        for k in (*self.key, *self.partition, *([self.date_column] if self.date_column else []),
                  *self.quasi_identifiers, *self.sensitive):
            if k not in names:
                raise ValueError(f"Dataset '{self.id}': key/partition/date/quasi-identifier/sensitive "
                                 f"column '{k}' is not a column.")

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def canonical_columns(self) -> list[str]:
        """The columns ``DATASETS.md`` lists (without adapter extras)."""
        return [c.name for c in self.columns if not c.extra]

    @property
    def ident_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.ident]

    @property
    def personal(self) -> bool:
        """True for personal (P) and sensitive personal (SP) datasets (guidance 2.1)."""
        return self.klass in ("P", "SP")

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"Dataset '{self.id}' has no column '{name}'.")

    def to_dict(self) -> dict:
        return {
            "id": self.id, "title": self.title, "source": self.source, "agency": self.agency,
            "class": self.klass, "tiers": list(self.tiers), "cadence": self.cadence,
            "key": list(self.key), "partition": list(self.partition), "date_column": self.date_column,
            "columns": [
                {"name": c.name, "kind": c.kind, "storage": c.storage, "ident": c.ident,
                 "allowed": list(c.allowed) if c.allowed else None, "strict": c.strict,
                 "required": c.required, "extra": c.extra}
                for c in self.columns
            ],
        }
