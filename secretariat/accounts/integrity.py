"""Checking the hash chains (``secretariat.kernel.chain``) and raising the
alarm when they no longer match: ``manage.py verify_integrity`` and the
periodic task both call ``integrity_verify``."""

from dataclasses import dataclass, field

from django.db import transaction

from secretariat.accounts import signals
from secretariat.accounts.models import SecurityEventKind
from secretariat.kernel import chain


@dataclass
class IntegrityReport:
    intact: list[chain.ChainState] = field(default_factory=list)
    breaks: list[chain.Break] = field(default_factory=list)
    # For each head kept from before: where it stands in today's chain.
    extended: list[str] = field(default_factory=list)
    unknown_heads: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks and not self.unknown_heads

    def problems(self) -> list[str]:
        return [str(b) for b in self.breaks] + [
            f"{h}: not an entry of any chain (the history it ended was rewritten "
            "or removed)"
            for h in self.unknown_heads
        ]


def integrity_verify(
    *, since_heads: list[str] | None = None, alert: bool = False
) -> IntegrityReport:
    """Walk every chain, or, given heads kept earlier, the chains they belong
    to: each head must still be an entry of its chain and the chain intact from
    its start through it to today's head. With ``alert``, a broken chain is
    told to every administrator and written to the security log."""
    report = IntegrityReport()
    if since_heads:
        names = []
        for head in since_heads:
            entry = chain.find_entry(head.strip())
            if entry is None:
                report.unknown_heads.append(head)
                continue
            names.append(entry.chain)
            report.extended.append(
                f"{head}: entry #{entry.chain_seq} of chain {entry.chain}"
            )
        if names:
            report.intact, report.breaks = chain.verify(sorted(set(names)))
    else:
        report.intact, report.breaks = chain.verify()
    if alert and not report.ok:
        _raise_alarm(report)
    return report


def _raise_alarm(report: IntegrityReport) -> None:
    from secretariat.accounts.audit import record

    problems = report.problems()
    with transaction.atomic():
        record(SecurityEventKind.INTEGRITY_BROKEN, detail="\n".join(problems))
        # The administrators are told by the notifications room, which listens
        # (secretariat.notifications.security), in the same transaction.
        signals.integrity_broken.send(sender=IntegrityReport, problems=problems)
