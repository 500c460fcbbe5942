"""Who may do what is decided in one place: the policies (and, for what a
person may see at all, the selectors' scoping and the view permissions in the
apps' ``rules.py``). This reads the source for role and superuser checks
anywhere else; the few that remain are listed with their reason."""

import ast
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)
SOURCES = ("secretariat", "members", "procurement")

# Where deciding on roles is the module's job.
DECIDERS = ("policy.py", "/policy/", "selectors.py", "rules.py")
EXCEPTIONS = {
    # Defines the roles and ``has_role`` itself.
    "secretariat/kernel/roles.py": "the roles",
    # Which sections the menu lists: a page's navigation, not an action; each
    # entry is still shown only with the permission its page asks.
    "secretariat/context_processors.py": "the menu",
    # Who must sign in with a second factor: authentication, before any action.
    "secretariat/accounts/twofactor.py": "who needs a second factor",
    # Which security events are written for whom (the audit trail).
    "secretariat/accounts/audit.py": "the audit trail",
    # Watches the superuser flag change, to end that person's other sessions.
    "secretariat/accounts/sessions.py": "sessions end when privileges drop",
    # Demo data gives people their roles.
    "secretariat/management/commands/seed_demo.py": "demo data",
    # The dashboard's figures are the staff's: its selectors' scoping.
    "secretariat/reports/dashboard.py": "the dashboard's scoping",
    # Pages that word or detail what the selector already let a person see
    # ("By member state" for staff, "Your state" for a liaison; the staff's
    # links to a delivery's payment). No action is decided there.
    "secretariat/fund/views.py": "the fund statement's wording",
    "procurement/views/contracts.py": "the contract page's staff details",
    "procurement/views/tenders.py": "the tender page's staff details",
}


def _role_checks(tree) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "is_superuser":
            lines.append(node.lineno)
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in {"has_role", "role_names", "is_staff_reader"}:
                lines.append(node.lineno)
    return lines


def test_no_role_or_superuser_check_outside_the_policies():
    offenders = []
    for root in SOURCES:
        for path in sorted((BASE / root).rglob("*.py")):
            relative = path.relative_to(BASE).as_posix()
            if (
                "/migrations/" in relative
                or relative in EXCEPTIONS
                or any(part in relative for part in DECIDERS)
            ):
                continue
            tree = ast.parse(path.read_text(), filename=relative)
            offenders += [f"{relative}:{line}" for line in _role_checks(tree)]
    assert offenders == []


def test_each_exception_still_needs_its_place():
    """An exception that no longer checks a role is dropped from the list."""
    for relative in EXCEPTIONS:
        tree = ast.parse((BASE / relative).read_text(), filename=relative)
        assert _role_checks(tree), relative
