"""The code's rooms import one way: a workflow uses the kernel, the read side
uses the workflows, and nothing imports what stands above it (a signal where a
lower room must tell a higher one). Read from the source itself, every import,
at module level or inside a function."""

import ast
from collections import defaultdict
from pathlib import Path

from django.conf import settings

# From the ground up.
FLOORS = (
    "kernel",  # cases, timelines, documents, roles, policy, money, the hand-off
    "accounts",  # people, sign-in, second factor, sessions, the security log
    "notifications",  # the outbox, the bell, emails, digests
    "members",  # member states, onboarding, liaisons, pledges, contributions
    "fund",  # pools, ledger, commitments, adjustments, disbursements
    "procurement",  # requirements to deliveries
    "reports",  # the read side: dashboard, search, My work, reports
    "project",  # settings, urls, the API router, Celery, health, commands
)
SUB_PACKAGES = {"kernel", "accounts", "notifications", "fund", "reports"}


def room_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] in {"members", "procurement"}:
        return parts[0]
    if parts[0] == "secretariat":
        if len(parts) > 1 and parts[1] in SUB_PACKAGES:
            return parts[1]
        return "project"
    return None


def imports_by_room() -> dict[tuple[str, str], set[str]]:
    base = Path(settings.BASE_DIR)
    found = defaultdict(set)
    for top in ("secretariat", "members", "procurement"):
        for path in (base / top).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            module = ".".join(path.relative_to(base).with_suffix("").parts)
            module = module.removesuffix(".__init__")
            source = room_of(module)
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names = [node.module] + [
                        f"{node.module}.{alias.name}" for alias in node.names
                    ]
                elif isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                else:
                    continue
                for name in names:
                    target = room_of(name)
                    if target and target != source:
                        found[(source, target)].add(f"{module} imports {name}")
    return found


def test_no_room_imports_a_room_above_it():
    upward = {
        (source, target): sorted(why)[:3]
        for (source, target), why in imports_by_room().items()
        if FLOORS.index(source) < FLOORS.index(target)
    }
    assert upward == {}


def test_every_room_is_tied_to_the_others():
    rooms = {room for pair in imports_by_room() for room in pair}
    assert rooms == set(FLOORS)
