"""Which workflow object each kind of case is the file of.

Workflows register the reverse accessor of their one-to-one link to ``Case`` so
that shared code (comments, documents, "my work") can reach the object and ask
its permissions.
"""

_SUBJECT_ACCESSORS: dict[str, str] = {}


def register_case_kind(kind: str, accessor: str) -> None:
    _SUBJECT_ACCESSORS[kind] = accessor


def case_subject(case):
    accessor = _SUBJECT_ACCESSORS.get(case.kind)
    if accessor is None:
        return None
    return getattr(case, accessor, None)


def case_subject_accessors() -> dict[str, str]:
    return dict(_SUBJECT_ACCESSORS)
