"""Which workflow object each kind of case is the file of.

Workflows register the reverse accessor of their one-to-one link to ``Case`` so
that shared code (comments, documents, "my work") can reach the object and ask
its permissions.
"""

from django.utils.module_loading import import_string

_SUBJECT_ACCESSORS: dict[str, str] = {}
_PAGES: dict[str, str] = {}
_SCOPES: dict[str, str] = {}


def register_case_kind(
    kind: str, accessor: str, page: str | None = None, scope: str | None = None
) -> None:
    """``accessor``: the reverse name of the workflow model's link to ``Case``;
    ``page``: the dotted path of the view that shows the case, called as
    ``view(request, reference, comment_form=...)``; ``scope``: the dotted path
    of the selector ``selector(user)`` of the workflow objects a person may see
    (the one its pages and API use)."""
    _SUBJECT_ACCESSORS[kind] = accessor
    if page:
        _PAGES[kind] = page
    if scope:
        _SCOPES[kind] = scope


def case_is_visible_to(user, case) -> bool:
    """Whether ``user`` may see the case's object, as its own pages decide."""
    if case.kind not in _SCOPES:
        return False
    return import_string(_SCOPES[case.kind])(user).filter(case=case).exists()


def case_page(request, case, **context):
    """Render the case's own page, e.g. again with a refused comment form."""
    from django.shortcuts import redirect

    if case.kind not in _PAGES:
        return redirect("start")
    return import_string(_PAGES[case.kind])(request, case.reference, **context)


def case_subject(case):
    accessor = _SUBJECT_ACCESSORS.get(case.kind)
    if accessor is None:
        return None
    return getattr(case, accessor, None)


def case_subject_accessors() -> dict[str, str]:
    return dict(_SUBJECT_ACCESSORS)


def case_path(model) -> str | None:
    """The ``select_related`` path from ``model`` to the case it belongs to
    (``"case"``, ``"onboarding__case"``, ``"lot__tender__case"``), following
    only required links (an object's own file, not a document it points to);
    ``None`` if it has none. Shortest path first."""
    from secretariat.kernel.models import Case

    paths = [(model, "")]
    seen = {model}
    for _depth in range(5):
        found = []
        for current, prefix in paths:
            for f in current._meta.get_fields():
                if not (f.many_to_one or f.one_to_one) or not f.concrete:
                    continue
                if f.null:
                    continue
                path = f"{prefix}{f.name}"
                if f.related_model is Case:
                    return path
                if f.related_model not in seen:
                    seen.add(f.related_model)
                    found.append((f.related_model, f"{path}__"))
        paths = found
    return None


def case_of(obj, path: str | None = None):
    """The case ``obj`` belongs to (its own, or its parent's), or ``None``."""
    path = case_path(type(obj)) if path is None else path
    if not path:
        return None
    for name in path.split("__"):
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj
