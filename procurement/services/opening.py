"""Writes of the opening committee: naming it, each member's acceptance with
their passphrase, the tender's keys at publication, the opening with
``threshold`` passphrases, and a share re-issued to a replacement member.

The passphrases, the members' private keys, the shares and the tender's
private key live only in the local variables of these functions while a
request runs: never saved, never logged (``sensitive_variables`` keeps them
out of Django's error reports too), never in an exception's message."""

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.debug import sensitive_variables

from procurement import notifications as tell
from procurement import opening_keys, sealing
from procurement.models import Bid, Opener, OpeningCommittee, Tender
from procurement.policy.opening import (
    MIN_OPENERS,
    MIN_THRESHOLD,
    committee_of,
    may_open_bids,
)
from procurement.services.common import _lock_tender
from secretariat.accounts.models import User
from secretariat.kernel import policy
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.services import timeline_record

MIN_PASSPHRASE_LENGTH = 12


def _names(people) -> str:
    return ", ".join(str(person) for person in people)


def committee_problems(members, threshold) -> dict[str, str]:
    """Why ``members`` and ``threshold`` cannot be a committee, by field: at
    least three people who may open bids, and a threshold from two to their
    number. The rule of ``opening_committee_name``; the form asks it too, to
    report every problem at once."""
    problems = {}
    members = list(members)
    refused = [person for person in members if not may_open_bids(person)]
    if refused:
        problems["members"] = _(
            "These people may not open bids (only active procurement officers, "
            "secretariat officers and evaluators not bound to a manufacturer "
            "may): %(names)s."
        ) % {"names": _names(refused)}
    elif len(members) < MIN_OPENERS:
        problems["members"] = _("Name at least %(n)d members.") % {"n": MIN_OPENERS}
    try:
        threshold = int(threshold)
    except (TypeError, ValueError):
        threshold = None
    if threshold is None or not MIN_THRESHOLD <= threshold <= max(
        len(members), MIN_THRESHOLD
    ):
        problems["threshold"] = _(
            "The number of members needed to open is from %(low)d to the number "
            "of members (%(n)d)."
        ) % {"low": MIN_THRESHOLD, "n": len(members)}
    return problems


def opening_committee_name(
    *, tender: Tender, actor: User, members, threshold: int
) -> OpeningCommittee:
    """Name (or name again, while the tender is a draft) the committee that
    opens the tender's bids, and how many of its members it takes. A member
    named again keeps their acceptance; anyone left out is dropped."""
    members = list(dict.fromkeys(members))
    with transaction.atomic():
        tender = _lock_tender(tender)
        policy.require("tender.name_opening_committee", actor, tender)
        problems = committee_problems(members, threshold)
        for field, message in problems.items():
            raise ApplicationError(message, field=field)
        committee = committee_of(tender)
        if committee is None:
            committee = OpeningCommittee.objects.create(
                tender=tender, threshold=int(threshold), named_by=actor
            )
        else:
            committee.threshold = int(threshold)
            committee.named_by = actor
            committee.named_at = timezone.now()
            committee.save(update_fields=["threshold", "named_by", "named_at"])
            committee.openers.exclude(person__in=members).delete()
        named = set(committee.openers.values_list("person_id", flat=True))
        added = Opener.objects.bulk_create(
            [
                Opener(committee=committee, person=person)
                for person in members
                if person.pk not in named
            ]
        )
        timeline_record(
            subject=tender,
            case=tender.case,
            actor=actor,
            action="opening_committee_named",
            description=_(
                "Opening committee named: %(names)s; any %(k)d of them together "
                "open the bids"
            )
            % {"names": _names(members), "k": int(threshold)},
        )
        tell.tell_openers_named(
            Opener.objects.filter(pk__in=[o.pk for o in added]).select_related(
                "committee__tender__case", "person"
            )
        )
    return committee


def _lock_opener(opener: Opener) -> Opener:
    return (
        Opener.objects.select_for_update(of=("self",))
        .select_related("committee__tender__case", "person")
        .get(pk=opener.pk)
    )


@sensitive_variables("passphrase", "passphrase_again")
def opener_accept(
    *, opener: Opener, actor: User, passphrase: str, passphrase_again: str
) -> Opener:
    """The named person accepts, with a passphrase only they will know: their
    key pair is made, its private half boxed under the passphrase. Nobody can
    recover a lost passphrase; the members then re-issue a share to a
    replacement."""
    with transaction.atomic():
        opener = _lock_opener(opener)
        policy.require("opener.accept", actor, opener)
        if len(passphrase or "") < MIN_PASSPHRASE_LENGTH:
            raise ApplicationError(
                _("The passphrase has at least %(n)d characters.")
                % {"n": MIN_PASSPHRASE_LENGTH},
                field="passphrase",
            )
        if passphrase != passphrase_again:
            raise ApplicationError(
                _("The two passphrases differ; type the same one twice."),
                field="passphrase_again",
            )
        opener.public_key, opener.sealed_private_key = opening_keys.opener_enrol(
            passphrase
        )
        opener.accepted_at = timezone.now()
        opener.save(update_fields=["public_key", "sealed_private_key", "accepted_at"])
        tender = opener.committee.tender
        timeline_record(
            subject=tender,
            case=tender.case,
            actor=actor,
            action="opener_accepted",
            description=_("%(name)s accepted the appointment to the opening committee")
            % {"name": actor},
        )
    return opener


def committee_keys_issue(tender: Tender) -> None:
    """At publication (inside its transaction): the tender's key pair, its
    private half wrapped under a secret split among the members, each share
    sealed to its member. The private key and the secret are never saved."""
    committee = committee_of(tender)
    if committee is None:
        return
    openers = list(committee.openers.filter(replaced_at__isnull=True).order_by("pk"))
    if any(opener.public_key is None for opener in openers):
        raise ConflictError(
            _("Every member of the opening committee must accept the appointment "
              "first.")
        )  # fmt: skip
    keys = opening_keys.tender_keys(
        committee.threshold, [bytes(opener.public_key) for opener in openers]
    )
    committee.public_key = keys.public_key
    committee.wrapped_private_key = keys.wrapped_private_key
    committee.save(update_fields=["public_key", "wrapped_private_key"])
    for opener, share in zip(openers, keys.sealed_shares, strict=True):
        opener.sealed_share = share
    Opener.objects.bulk_update(openers, ["sealed_share"])


def sealing_key_of(tender: Tender) -> bytes | None:
    """The public key a new bid on the tender is sealed to, or ``None`` for
    the bid keys of the servers."""
    committee = committee_of(tender)
    if committee is None or not committee.has_keys:
        return None
    return bytes(committee.public_key)


def _normalised(passphrases: Mapping | None) -> dict[int, str]:
    given = {}
    for key, value in (passphrases or {}).items():
        try:
            opener_id = int(key)
        except (TypeError, ValueError) as exc:
            raise ApplicationError(
                _("Passphrases are given by member id."), field="passphrases"
            ) from exc
        if isinstance(value, str) and value:
            given[opener_id] = value
    return given


PASSPHRASE_REFUSED = gettext_lazy(
    "The passphrases do not open the tender's key: at least one of them is "
    "wrong. Nothing was opened; type them again."
)


@sensitive_variables("passphrases", "given", "passphrase", "shares")
def _shares(committee: OpeningCommittee, passphrases) -> tuple[list, list[Opener]]:
    """The shares the members' passphrases open, and who gave them; refused
    with fewer than the threshold, and refused without saying whose when any
    passphrase is wrong."""
    given = _normalised(passphrases)
    members = {
        opener.pk: opener
        for opener in committee.openers.filter(
            replaced_at__isnull=True, sealed_share__isnull=False
        ).select_related("person")
    }
    unknown = set(given) - set(members)
    if unknown:
        raise ApplicationError(
            _("Only members of the opening committee who hold a share give a "
              "passphrase."),
            field="passphrases",
        )  # fmt: skip
    if len(given) < committee.threshold:
        raise ApplicationError(
            ngettext(
                "The bids open with the passphrases of at least %(k)d members; "
                "%(n)d was given.",
                "The bids open with the passphrases of at least %(k)d members; "
                "%(n)d were given.",
                len(given),
            )
            % {"k": committee.threshold, "n": len(given)},
            field="passphrases",
        )
    shares = []
    present = []
    refused = False
    # Every passphrase is tried even after one fails, so that neither the
    # answer nor its timing tells whose was wrong.
    for opener_id, passphrase in sorted(given.items()):
        opener = members[opener_id]
        try:
            shares.append(
                opening_keys.share_unlock(
                    opener.sealed_private_key, passphrase, bytes(opener.sealed_share)
                )
            )
        except (opening_keys.OpeningRefused, ValueError, KeyError, TypeError):
            refused = True
        present.append(opener)
    if refused:
        raise ApplicationError(str(PASSPHRASE_REFUSED), field="passphrases")
    return shares, present


@sensitive_variables("passphrases", "shares", "private")
def committee_bids_open(tender: Tender, *, passphrases) -> list[Opener]:
    """Inside ``tender_open``'s transaction, after its policy: rebuild the
    tender's private key from the members' shares, and open every bid sealed
    to it in one step. Each committee token moves to ``committee_sealed``, as
    the bidder sealed it (their receipt is its digest), and ``sealed`` becomes
    the offer sealed with the bid keys, which every later stage reads. Returns
    the members who took part."""
    committee = committee_of(tender)
    shares, present = _shares(committee, passphrases)
    try:
        private = opening_keys.private_key_rebuild(
            shares, bytes(committee.wrapped_private_key)
        )
    except opening_keys.OpeningRefused:
        raise ApplicationError(str(PASSPHRASE_REFUSED), field="passphrases") from None
    del shares
    bids = list(Bid.objects.filter(lot__tender=tender).order_by("pk"))
    opened = []
    for bid in bids:
        token = bytes(bid.sealed)
        if not opening_keys.is_committee_token(token):
            continue
        bid.committee_sealed = token
        bid.sealed = sealing.seal(opening_keys.unseal(private, token))
        opened.append(bid)
    del private
    Bid.objects.bulk_update(opened, ["sealed", "committee_sealed"])
    return present


def opener_replace(
    *, tender: Tender, actor: User, replaced: Opener, person: User
) -> Opener:
    """Name ``person`` to the committee in place of a member who lost their
    passphrase. The replacement accepts with a passphrase of their own; then
    ``threshold`` members re-issue a share to them (``opener_shares_reissue``)."""
    with transaction.atomic():
        tender = _lock_tender(tender)
        policy.require("tender.replace_opener", actor, tender)
        committee = committee_of(tender)
        replaced = Opener.objects.select_related("person").get(pk=replaced.pk)
        if (
            replaced.committee_id != committee.pk
            or replaced.replaced_at is not None
            or replaced.sealed_share is None
        ):
            raise ApplicationError(
                _("Choose a member of the committee to replace."), field="replaced"
            )
        if committee.openers.filter(
            replaces=replaced, replaced_at__isnull=True
        ).exists():
            raise ConflictError(
                _("%(name)s already has a replacement named.") % {"name": replaced},
                field="replaced",
            )
        if not may_open_bids(person):
            raise ApplicationError(
                _("%(name)s may not open bids.") % {"name": person}, field="person"
            )
        if committee.openers.filter(person=person).exists():
            raise ApplicationError(
                _("%(name)s is already on the committee.") % {"name": person},
                field="person",
            )
        opener = Opener.objects.create(
            committee=committee, person=person, replaces=replaced
        )
        timeline_record(
            subject=tender,
            case=tender.case,
            actor=actor,
            action="opener_replacement_named",
            description=_("%(new)s named to the opening committee in place of %(old)s")
            % {"new": person, "old": replaced.person},
        )
        tell.tell_openers_named([opener])
    return opener


@sensitive_variables("passphrases", "shares")
def opener_shares_reissue(*, tender: Tender, actor: User, passphrases) -> Tender:
    """``threshold`` members, with their passphrases, re-split the tender's
    secret for the committee as it now stands: the accepted replacements get a
    share, the members they replace lose theirs, and every other member's
    share is renewed (an old share no longer combines with the new ones)."""
    with transaction.atomic():
        tender = _lock_tender(tender)
        policy.require("tender.reissue_share", actor, tender)
        committee = committee_of(tender)
        shares, present = _shares(committee, passphrases)
        replacements = list(
            committee.openers.filter(
                replaces__isnull=False,
                replaced_at__isnull=True,
                sealed_share__isnull=True,
                accepted_at__isnull=False,
            ).select_related("person", "replaces__person")
        )
        dropped = {opener.replaces_id for opener in replacements}
        kept = list(
            committee.openers.filter(
                replaced_at__isnull=True, sealed_share__isnull=False
            ).exclude(pk__in=dropped)
        )
        openers = sorted(kept + replacements, key=lambda opener: opener.pk)
        try:
            new_shares = opening_keys.shares_reissue(
                shares,
                bytes(committee.wrapped_private_key),
                committee.threshold,
                [bytes(opener.public_key) for opener in openers],
            )
        except (opening_keys.OpeningRefused, ValueError):
            raise ApplicationError(
                str(PASSPHRASE_REFUSED), field="passphrases"
            ) from None
        del shares
        for opener, share in zip(openers, new_shares, strict=True):
            opener.sealed_share = share
        Opener.objects.bulk_update(openers, ["sealed_share"])
        Opener.objects.filter(pk__in=dropped).update(
            replaced_at=timezone.now(), sealed_share=None
        )
        for opener in replacements:
            timeline_record(
                subject=tender,
                case=tender.case,
                actor=actor,
                action="opener_share_reissued",
                description=_(
                    "A share re-issued to %(new)s in place of %(old)s by the "
                    "committee: %(names)s"
                )
                % {
                    "new": opener.person,
                    "old": opener.replaces.person,
                    "names": _names(o.person for o in present),
                },
            )
    return tender
