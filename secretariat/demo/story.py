"""The demo coalition's history, told through the services on its dates.

Each chapter is a generator that yields the moment of its next step and then
takes it: the January 2025 contracts from the requirements of October 2024 to
the last delivery paid in December 2025, Japan's invitation of September 2025,
the money of 2024 and 2025 on the days it was received. The chapters of the
present are dated back from the day the demo loads, so that it opens with a
tender in every stage and work for every role, and nothing is overdue that
would not be on that day. ``tell`` runs the steps of all chapters in the order
of their moments, with the demo clock (``secretariat.demo.clock``) set to each.
"""

import datetime as dt
import heapq
from collections.abc import Iterator
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from members import services as members
from members.models import MemberState, OnboardingCase, ParticipationScope, StepKind
from members.models import MemberStatus as MS
from procurement import services as procurement
from procurement.models import TYPED_CRITERIA, Bid, Contract, Delivery, Tender
from secretariat.accounts.models import User
from secretariat.accounts.twofactor import FreshCode
from secretariat.demo.clock import DemoClock
from secretariat.demo.facts import (
    COMPANIES,
    DEMO_DEVICE_NAME,
    DEMO_PDF,
    EXCLUDED_ORIGINS,
    LIAISONS,
    ORIGINS,
    PLEDGES,
    RECENT_PLEDGES,
    demo_password_hash,
)
from secretariat.fund.models import DisbursementRequest, Pool
from secretariat.fund.services import disbursements
from secretariat.kernel.models import CapabilityCategory
from secretariat.kernel.roles import Role
from secretariat.notifications.services import notifications_mark_read

SELIA = "Sēlia military training ground"
Chapter = Iterator[dt.datetime]


def on(day: str, time: str = "10:00") -> dt.datetime:
    """A moment of the story, in the coalition's time zone."""
    return timezone.make_aware(dt.datetime.fromisoformat(f"{day}T{time}"))


def capability(code: str) -> CapabilityCategory:
    return CapabilityCategory.objects.get(code=code)


class Story:
    def __init__(self, clock: DemoClock, users: dict[str, User]):
        self.clock = clock
        # The moment the demo loads: the present chapters are dated from it.
        self.now = clock.now()
        self.today = timezone.localdate(self.now)
        self.users = users
        self.makers = {}  # representative's user name -> (manufacturer, rep)
        self.payments = 0
        self.to_reconcile = []

    # ------------------------------------------------------------ the telling

    def tell(self) -> None:
        chapters = [
            self.liaisons(),
            self.money(),
            self.manufacturers(),
            self.contracts_of_january_2025(),
            self.japan(),
            self.contracted_tender(),
            self.standstill_tender(),
            self.evaluation_tender(),
            self.bidding_tender(),
            self.clarification_tender(),
            self.front_requirements(),
        ]
        queue = []
        for number, chapter in enumerate(chapters):
            self._next(queue, number, chapter, since=None)
        while queue:
            moment, number, chapter = heapq.heappop(queue)
            self.clock.travel_to(moment)
            self._next(queue, number, chapter, since=moment)
        self.clock.back_to_present()
        self._read_the_past()

    def _read_the_past(self) -> None:
        """People have read what reached them before the last week: the bell
        shows what is recent."""
        week_ago = self.ago(7)
        for person in User.objects.filter(
            notifications__created_at__lt=week_ago, notifications__read_at=None
        ).distinct():
            notifications_mark_read(
                actor=person,
                ids=person.notifications.filter(created_at__lt=week_ago).values_list(
                    "pk", flat=True
                ),
            )

    @staticmethod
    def _next(queue, number, chapter, *, since) -> None:
        """Take the chapter's step up to the moment of its next one."""
        try:
            moment = next(chapter)
        except StopIteration:
            return
        if since is not None and moment < since:
            raise ValueError(f"{chapter.__name__} goes back from {since} to {moment}")
        heapq.heappush(queue, (moment, number, chapter))

    def ago(self, days: float, hours: float = 0) -> dt.datetime:
        return self.now - dt.timedelta(days=days, hours=hours)

    def ahead(self, days: float) -> dt.datetime:
        return self.now + dt.timedelta(days=days)

    def day_ago(self, days: int) -> dt.date:
        return self.today - dt.timedelta(days=days)

    def day_ahead(self, days: int) -> dt.date:
        return self.today + dt.timedelta(days=days)

    @property
    def u(self):
        return self.users

    def rep(self, username: str) -> User:
        return self.makers[username][1]

    def maker(self, username: str):
        return self.makers[username][0]

    # ------------------------------------------------------------ members

    def liaisons(self) -> Chapter:
        """Latvia's liaison from the first weeks (illustrative date); Japan's
        is appointed in Japan's chapter."""
        yield on("2024-03-01")
        self._liaison("LV")

    def _liaison(self, code: str) -> User:
        _code, first, last, email = next(row for row in LIAISONS if row[0] == code)
        user = members.liaison_invite(
            member_state=MemberState.objects.get(country=code),
            actor=self.u["officer"],
            email=email,
            first_name=first,
            last_name=last,
        )
        user.password = demo_password_hash()
        user.save(update_fields=["password"])
        return user

    def japan(self) -> Chapter:
        """Latvia invites Japan (source: 22 September 2025), Japan's Ministry of
        Defense acknowledges and considers; the decision falls to the
        administration formed after the October 2025 election (source). The
        case is due relative to the day the demo loads."""
        officer = self.u["officer"]
        japan = MemberState.objects.get(country="JP")
        yield on("2025-09-22", "09:00")
        members.member_set_constraints(
            member_state=japan,
            actor=officer,
            scope=ParticipationScope.NON_LETHAL,
            notes=(
                "Japan can hardly supply lethal weapons; its participation would "
                "be non-lethal: detection, reconnaissance, defence and interceptor "
                "drones, electronic warfare, positioning systems."
            ),
            reason="Constraint stated when Japan was invited (source).",
        )
        members.member_transition(
            member_state=japan,
            to_status=MS.INVITED,
            actor=officer,
            reason=(
                "Latvia's Foreign Minister Baiba Braze invited Japan to join the "
                "Drone Coalition (source)."
            ),
            evidence_file=ContentFile(DEMO_PDF, name="invitation-letter-demo.pdf"),
            due_date=self.day_ahead(60),
        )
        yield on("2025-09-23", "11:00")
        onboarding = OnboardingCase.objects.get(member_state=japan, is_open=True)
        members.onboarding_step_complete(
            step=onboarding.steps.get(kind=StepKind.ACKNOWLEDGEMENT),
            actor=officer,
            note=(
                "Japan's Ministry of Defense acknowledged the invitation and is "
                "considering it (source)."
            ),
        )
        members.member_transition(
            member_state=japan,
            to_status=MS.CONSIDERING,
            actor=officer,
            reason=(
                "The decision falls to the administration formed after the October "
                "2025 party leadership election (source)."
            ),
        )
        yield on("2025-10-06")
        self._liaison("JP")
        yield self.ago(10)
        members.onboarding_step_assign(
            step=onboarding.steps.get(kind=StepKind.NATIONAL_DECISION),
            actor=officer,
            owner=officer,
            due_date=self.day_ahead(21),
        )

    # ------------------------------------------------------------ the money

    def money(self) -> Chapter:
        """Pledges and the money received against them, on the days the money
        came in: 2024 and 2025 from the facts, the last twelve months dated
        back from the day the demo loads."""
        officer, finance = self.u["officer"], self.u["finance"]
        steps = []
        for (code, year, amount, currency, earmark, pledged_on, received,
             illustrative, note) in PLEDGES:  # fmt: skip
            key = (code, year)
            pledge = (key, amount, currency, earmark, illustrative, note)
            steps.append((on(pledged_on, "09:30"), "pledge", pledge))
            # What Latvia paid in 2025 is illustrative; its pledge is not.
            paid_illustrative = illustrative or (code, year) == ("LV", 2025)
            for received_on, paid in received:
                money = (key, paid, currency, paid_illustrative)
                steps.append((on(received_on, "11:00"), "receive", money))
        for code, amount, currency, pledged, received in RECENT_PLEDGES:
            year = (self.day_ago(received) if received else self.today).year
            key = (code, year)
            pledge = (key, amount, currency, "unrestricted", True, "")
            steps.append((self.ago(pledged), "pledge", pledge))
            if received:
                money = (key, amount, currency, True)
                steps.append((self.ago(received), "receive", money))
        pledges = {}
        for moment, kind, data in sorted(steps, key=lambda step: step[0]):
            yield moment
            if kind == "pledge":
                key, amount, currency, earmark, illustrative, note = data
                pledges[key] = members.pledge_record(
                    member_state=MemberState.objects.get(country=key[0]),
                    actor=officer,
                    year=key[1],
                    amount=Decimal(amount),
                    currency=currency,
                    earmark=earmark,
                    note=note,
                    illustrative=illustrative,
                )
            else:
                key, paid, currency, illustrative = data
                members.contribution_record(
                    pledge=pledges[key],
                    actor=finance,
                    amount=Decimal(paid),
                    currency=currency,
                    received_on=timezone.localdate(),
                    bank_reference=f"DEMO-{key[0]}-{timezone.localdate():%Y%m%d}",
                    illustrative=illustrative,
                )

    # ------------------------------------------------------------ companies

    def manufacturers(self) -> Chapter:
        """The companies, vetted, with their supply chains declared, their
        bank accounts and a test at Sēlia (opened June 2024, source). Latvia's
        liaison nominates the Latvian ones."""
        procurement_officer = self.u["procurement"]
        for day, (name, state, number, iban, bic, username, first, last) in zip(
            ["2024-09-02", "2024-09-03", "2024-09-04", "2024-09-05"],
            COMPANIES,
            strict=True,
        ):
            yield on(day)
            member_state = MemberState.objects.get(country=state)
            nominator = (
                User.objects.get(email="liaison-lv@demo.example")
                if state == "LV"
                else procurement_officer
            )
            maker = procurement.manufacturer_nominate(
                actor=nominator, member_state=member_state, name=name,
                registration_number=number, contact_name=f"{first} {last}",
                contact_email=f"{username}@demo.example",
            )  # fmt: skip
            yield on(day, "15:00")
            procurement.manufacturer_vet(
                manufacturer=maker, actor=procurement_officer, to_status="vetted",
                reason="Demo: registration, ownership and export licence checked.",
            )  # fmt: skip
            procurement.supply_chain_declare(
                manufacturer=maker, actor=procurement_officer, origins=ORIGINS
            )
            rep = self._representative(maker, username, first, last)
            procurement.manufacturer_bank_account_set(
                manufacturer=maker, actor=rep, iban=iban, bic=bic
            )
            self.makers[username] = (maker, rep)
        for username, product, code, day in [
            ("maker", "Reconnaissance quadcopter (illustrative)", "reconnaissance",
             "2024-09-18"),
            ("maker2", "FPV strike drone (illustrative)", "strike", "2024-09-19"),
            ("maker3", "Medium-range strike drone (illustrative)", "strike",
             "2024-09-24"),
            ("maker4", "Fixed-wing reconnaissance drone (illustrative)",
             "reconnaissance", "2024-09-25"),
        ]:  # fmt: skip
            yield on(day, "16:00")
            procurement.manufacturer_test_record(
                manufacturer=self.maker(username), actor=procurement_officer,
                capability=capability(code), product=product, site=SELIA,
                tested_on=timezone.localdate(), outcome="passed",
                summary="Illustrative: range and resistance to jamming met the "
                "requirement.",
            )  # fmt: skip

    def _representative(self, maker, username, first, last) -> User:
        user = User.objects.create(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@demo.example",
            manufacturer=maker,
            password=demo_password_hash(),
        )
        user.groups.set(Group.objects.filter(name=Role.MANUFACTURER_REPRESENTATIVE))
        return user

    # ------------------------------------------------------------ tenders

    def _tender(self, *, title, description, requirements, lots, clarify, submit,
                pool="unrestricted") -> Tender:  # fmt: skip
        """Draft a tender with its lots (title, capability, quantity, maximum
        unit price, delivery from, to) and publish it now."""
        officer = self.u["procurement"]
        tender = procurement.tender_create(
            actor=officer, title=title, description=description,
            requirements=requirements, pool=Pool.objects.get(code=pool),
            clarification_deadline=clarify, submission_deadline=submit,
            excluded_origins=EXCLUDED_ORIGINS,
        )  # fmt: skip
        for lot_title, code, quantity, max_price, start, end in lots:
            procurement.lot_add(
                tender=tender, actor=officer, title=lot_title,
                capability=capability(code), quantity=quantity,
                max_unit_price=Decimal(max_price), delivery_from=start,
                delivery_to=end,
            )  # fmt: skip
        return procurement.tender_publish(tender=tender, actor=officer)

    def _requirement(self, *, title, code, quantity, spec, needed_by, reference,
                     priority="high"):  # fmt: skip
        return procurement.requirement_record(
            actor=self.u["procurement"], title=title, capability=capability(code),
            quantity=quantity, specification=spec, priority=priority,
            needed_by=needed_by, source_reference=reference,
        )  # fmt: skip

    def _bid(self, username, tender, lot_number, price, quantity, schedule) -> Bid:
        return procurement.bid_submit(
            lot=tender.lots.get(number=lot_number), actor=self.rep(username),
            unit_price=Decimal(price), quantity=quantity,
            delivery_schedule=schedule,
            compliance={"operates_under_jamming": "yes", "night_capable": "yes"},
        )  # fmt: skip

    def _committee(self, tender) -> list:
        """Open the bids, appoint both evaluators; they declare no conflict."""
        officer = self.u["procurement"]
        procurement.tender_open(tender=tender, actor=officer)
        seats = [
            procurement.committee_appoint(tender=tender, actor=officer, evaluator=who)
            for who in (self.u["evaluator"], self.u["evaluator2"])
        ]
        for seat in seats:
            procurement.committee_declare(
                member=seat, actor=seat.evaluator, conflict=False
            )
        procurement.tender_start_evaluation(tender=tender, actor=officer)
        return seats

    def _score(self, seat, scores: dict, *, submit=True) -> None:
        """Score bids ({bid: base score}) on every criterion."""
        for bid, base in scores.items():
            bid = Bid.objects.get(pk=bid.pk)  # eligible since the opening
            # Price is not typed: the tender's formula scores it.
            for offset, criterion in enumerate(TYPED_CRITERIA):
                procurement.score_record(
                    member=seat, actor=seat.evaluator, bid=bid,
                    criterion=criterion, value=base + (offset * 3) % 7 - 3,
                )  # fmt: skip
        if submit:
            procurement.scoresheet_submit(member=seat, actor=seat.evaluator)

    def _recommend(self, tender, lot_number, bid):
        return procurement.award_recommend(
            lot=tender.lots.get(number=lot_number), bid=bid,
            actor=self.u["procurement"],
            justification="Ranked first on the committee's weighted scores.",
        )  # fmt: skip

    def _approve_award(self, award, username):
        return procurement.award_approve(
            award=award, actor=self.u[username], comment="Agreed."
        )

    def _sign(self, award, milestones) -> Contract:
        return procurement.contract_sign(
            award=award, actor=self.u["procurement"], milestones=milestones
        )

    # ------------------------------------------------------------ deliveries

    def _report(self, contract, number, quantity, username) -> Delivery:
        return procurement.delivery_report(
            contract=contract, milestone=contract.milestones.get(number=number),
            actor=self.rep(username), quantity=quantity,
            note="Delivered to the agreed handover point (illustrative).",
        )  # fmt: skip

    def _accept(self, delivery) -> DisbursementRequest:
        """Tested at Sēlia the day before, every unit passed: the milestone's
        share is drafted for payment."""
        decided = procurement.delivery_decide(
            delivery=delivery, actor=self.u["procurement"],
            quantity_accepted=delivery.quantity, test_site=SELIA,
            tested_on=timezone.localdate() - dt.timedelta(days=1),
            note="Acceptance tests passed (illustrative).",
        )  # fmt: skip
        return decided.disbursement

    def _adopt(self, request) -> None:
        """A finance officer takes over the draft an acceptance made."""
        disbursements.disbursement_adopt(request=request, actor=self.u["finance"])

    def _submit(self, request) -> None:
        self._adopt(request)
        disbursements.disbursement_submit(request=request, actor=self.u["finance"])

    def _check(self, request) -> None:
        disbursements.disbursement_check(
            request=request, actor=self.u["finance2"], comment="Invoice and "
            "acceptance report match."
        )  # fmt: skip

    def _approve(self, request, username) -> None:
        """A co-lead approver approves; above the one-approver limit with the
        code their (demo) authenticator shows at that moment."""
        approver = self.u[username]
        needs_code = DisbursementRequest.objects.get(pk=request.pk).approvals_needed > 1
        disbursements.disbursement_approve(
            request=request, actor=approver, comment="In order.",
            second_factor=self._code(approver) if needs_code else None,
        )  # fmt: skip

    def _pay(self, request) -> None:
        self.payments += 1
        reference = f"DEMO-PAY-{self.payments:04d}"
        disbursements.disbursement_mark_paid(
            request=request, actor=self.u["finance-pay"],
            payment_order=f"PO-DEMO-{self.payments:04d}", bank_reference=reference,
            paid_on=timezone.localdate(),
        )  # fmt: skip
        self.to_reconcile.append(DisbursementRequest.objects.get(pk=request.pk))

    def _statement(self) -> None:
        """The bank's statement of the payments since the last one."""
        if not self.to_reconcile:
            return
        lines = [
            f"{r.paid_on},{r.amount.amount},{r.amount.currency},{r.bank_reference}"
            for r in self.to_reconcile
        ]
        self.to_reconcile = []
        disbursements.statement_import(
            actor=self.u["finance"],
            file_name=f"statement-{timezone.localdate()}.csv",
            content=("date,amount,currency,reference\n" + "\n".join(lines) + "\n")
            .encode(),
        )  # fmt: skip

    def _code(self, user) -> FreshCode:
        """The code the person's demo authenticator shows now."""
        device = TOTPDevice.objects.get(user=user, name=DEMO_DEVICE_NAME)
        otp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        otp.time = self.clock.epoch()
        return FreshCode(str(otp.token()).zfill(device.digits))

    # ------------------------------------------------------------ January 2025

    def contracts_of_january_2025(self) -> Chapter:
        """The contracts signed in January 2025: EUR 54 million for 30,000
        drones, of which the two Latvian companies deliver 12,000 worth EUR 17
        million (source). The tender before them, the lots, prices, milestones
        and deliveries through 2025 are illustrative."""
        yield on("2024-10-07")
        recon = self._requirement(
            title="Reconnaissance drones for 2025", code="reconnaissance",
            quantity=15000, spec="Day and night cameras; operation under jamming.",
            needed_by=dt.date(2025, 12, 31), reference="UAF-2024-011 (illustrative)",
            priority="critical",
        )  # fmt: skip
        strike = self._requirement(
            title="Strike drones for 2025", code="strike", quantity=15000,
            spec="FPV and medium-range strike drones; operation under jamming.",
            needed_by=dt.date(2025, 12, 31), reference="UAF-2024-012 (illustrative)",
            priority="critical",
        )  # fmt: skip
        yield on("2024-10-21")
        start, end = dt.date(2025, 3, 1), dt.date(2025, 12, 15)
        tender = self._tender(
            title="Drones for Ukraine's Armed Forces, 2025 deliveries",
            description="Reconnaissance and strike drones built to the requirements "
            "of Ukraine's Armed Forces, delivered quarterly through 2025.",
            requirements=[recon, strike],
            lots=[
                ("Reconnaissance quadcopters", "reconnaissance", 7000, "1600.00",
                 start, end),
                ("FPV strike drones", "strike", 5000, "1400.00", start, end),
                ("Fixed-wing reconnaissance drones", "reconnaissance", 8000,
                 "2300.00", start, end),
                ("Medium-range strike drones", "strike", 10000, "2100.00", start,
                 end),
            ],
            clarify=on("2024-11-04", "12:00"),
            submit=on("2024-11-25", "12:00"),
        )  # fmt: skip
        yield on("2024-11-04", "12:01")
        procurement.tenders_advance_by_deadlines()
        schedule = "A quarter of the units at the end of each quarter of 2025."
        offers = [  # (bidder, lot, unit price, wins)
            ("maker", 1, "1500.00", True), ("maker2", 1, "1560.00", False),
            ("maker2", 2, "1300.00", True), ("maker", 2, "1380.00", False),
            ("maker4", 3, "2125.00", True), ("maker3", 3, "2240.00", False),
            ("maker3", 4, "2000.00", True), ("maker4", 4, "2080.00", False),
        ]  # fmt: skip
        bids = {}
        for hour, (username, lot, price, wins) in enumerate(offers, 9):
            yield on("2024-11-18", f"{hour:02d}:00")
            quantity = tender.lots.get(number=lot).quantity
            bids[(username, lot)] = (
                self._bid(username, tender, lot, price, quantity, schedule),
                wins,
            )
        yield on("2024-11-25", "12:01")
        procurement.tenders_advance_by_deadlines()
        yield on("2024-11-26")
        seats = self._committee(tender)
        yield on("2024-12-04")
        for seat in seats:
            self._score(seat, {bid: 88 if wins else 76 for bid, wins in bids.values()})
        yield on("2024-12-09")
        awards = {
            lot: (username, self._recommend(tender, lot, bid))
            for (username, lot), (bid, wins) in bids.items()
            if wins
        }
        yield on("2024-12-11")
        for lot, (_username, award) in sorted(awards.items()):
            self._approve_award(award, "approver-lv" if lot <= 2 else "approver-uk")
        contracts = []
        for lot, day in [(1, "2025-01-14"), (2, "2025-01-14"), (3, "2025-01-16"),
                         (4, "2025-01-16")]:  # fmt: skip
            yield on(day, f"{10 + lot}:00")
            username, award = awards[lot]
            quantity = tender.lots.get(number=lot).quantity
            milestones = [
                (dt.date(2025, 3, 31), quantity // 4),
                (dt.date(2025, 6, 30), quantity // 4),
                (dt.date(2025, 9, 30), quantity // 4),
                (dt.date(2025, 12, 15), quantity - 3 * (quantity // 4)),
            ]
            contracts.append((lot, username, self._sign(award, milestones)))
        yield from self._deliveries_of_2025(contracts)

    def _deliveries_of_2025(self, contracts) -> Chapter:
        """Each milestone delivered twelve days before it is due, tested at
        Sēlia and accepted, then paid: adopted and submitted, checked, approved
        by both co-leads, paid, and reconciled with the bank's statement after
        the quarter."""
        steps = []
        for index, (_lot, username, contract) in enumerate(contracts):
            for milestone in contract.milestones.order_by("number"):
                due = timezone.make_aware(
                    dt.datetime.combine(milestone.due_on, dt.time(10, index * 5))
                )
                days = dt.timedelta(days=1)
                steps += [
                    (due - 12 * days, "report", (contract, milestone, username)),
                    (due - 7 * days, "accept", milestone),
                    (due - 6 * days, "submit", milestone),
                    (due - 5 * days, "check", milestone),
                    (due - 4 * days, "approver-lv", milestone),
                    (due - 4 * days + dt.timedelta(hours=2), "approver-uk", milestone),
                    (due - 1 * days, "pay", milestone),
                ]
        # The bank's statement three days after each quarter's milestones.
        for milestone in contracts[0][2].milestones.all():
            steps.append((
                timezone.make_aware(dt.datetime.combine(milestone.due_on, dt.time(16)))
                + dt.timedelta(days=3),
                "statement",
                None,
            ))  # fmt: skip
        deliveries, requests = {}, {}
        for moment, kind, data in sorted(steps, key=lambda step: step[0]):
            yield moment
            if kind == "report":
                contract, milestone, username = data
                deliveries[milestone.pk] = self._report(
                    contract, milestone.number, milestone.quantity, username
                )
            elif kind == "accept":
                requests[data.pk] = self._accept(deliveries[data.pk])
            elif kind == "submit":
                self._submit(requests[data.pk])
            elif kind == "check":
                self._check(requests[data.pk])
            elif kind in ("approver-lv", "approver-uk"):
                self._approve(requests[data.pk], kind)
            elif kind == "pay":
                self._pay(requests[data.pk])
            else:
                self._statement()

    # ------------------------------------------------------------ the present

    def contracted_tender(self) -> Chapter:
        """Contracted three months ago; the first milestone is accepted and
        paid; batches since are at every step from awaiting acceptance to
        paid, so that the finance officers, approvers and the procurement
        officer each have one waiting (illustrative)."""
        yield self.ago(155)
        requirement = self._requirement(
            title="Reconnaissance quadcopters for the coming year (illustrative)",
            code="reconnaissance", quantity=4000,
            spec="Illustrative: thermal camera, 15 km range, operation under "
            "jamming.", needed_by=self.day_ahead(150),
            reference="UAF-DEMO-004",
        )  # fmt: skip
        yield self.ago(150)
        tender = self._tender(
            title="Reconnaissance quadcopters, next batch (illustrative)",
            description="Illustrative: quadcopters for Ukraine's reconnaissance "
            "units, in three batches.",
            requirements=[requirement],
            lots=[("Reconnaissance quadcopters", "reconnaissance", 4000, "1600.00",
                   self.day_ago(60), self.day_ahead(100))],
            clarify=self.ago(140), submit=self.ago(120),
        )  # fmt: skip
        yield self.ago(140, hours=-0.02)
        procurement.tenders_advance_by_deadlines()
        yield self.ago(128)
        winner = self._bid("maker", tender, 1, "1450.00", 4000, "Three batches.")
        yield self.ago(125)
        loser = self._bid("maker2", tender, 1, "1520.00", 4000, "Two batches.")
        yield self.ago(119)
        seats = self._committee(tender)
        yield self.ago(112)
        for seat in seats:
            self._score(seat, {winner: 86, loser: 79})
        yield self.ago(107)
        award = self._recommend(tender, 1, winner)
        yield self.ago(106)
        self._approve_award(award, "approver-uk")
        yield self.ago(92)
        contract = self._sign(
            award,
            [(self.day_ago(30), 1200), (self.day_ahead(30), 1400),
             (self.day_ahead(90), 1400)],
        )  # fmt: skip
        # (days ago reported, milestone, units, days ago accepted, the furthest
        # step its payment has reached)
        batches = [
            (48, 1, 600, 45, "reconciled"),
            (38, 1, 600, 34, "paid"),
            (20, 2, 500, 17, "approved"),
            (14, 2, 800, 11, "approved by one"),
            (9, 2, 100, 7, "checked"),
            (6, 3, 400, 3, "submitted"),
            (3, 3, 300, 1, "draft"),
            (1, 3, 500, None, "awaiting acceptance"),
        ]
        moves = {
            "draft": ["adopt"],
            "submitted": ["submit"],
            "checked": ["submit", "check"],
            "approved by one": ["submit", "check", "approve-lv"],
            "approved": ["submit", "check", "approve-lv"],
            "paid": ["submit", "check", "approve-lv", "pay"],
            "reconciled": ["submit", "check", "approve-lv", "pay", "statement"],
        }
        steps = []
        for index, (reported, _n, _units, accepted, stage) in enumerate(batches):
            steps.append((self.ago(reported), "report", index))
            if accepted is None:
                continue
            steps.append((self.ago(accepted), "accept", index))
            # Each move most of a day after the one before.
            for step, move in enumerate(moves.get(stage, []), 1):
                steps.append((self.ago(accepted - 0.8 * step), move, index))
        delivered, requests = {}, {}
        for moment, kind, index in sorted(steps, key=lambda step: step[0]):
            yield moment
            _reported, number, units, _accepted, _stage = batches[index]
            if kind == "report":
                delivered[index] = self._report(contract, number, units, "maker")
            elif kind == "accept":
                requests[index] = self._accept(delivered[index])
            elif kind == "adopt":
                self._adopt(requests[index])
            elif kind == "submit":
                self._submit(requests[index])
            elif kind == "check":
                self._check(requests[index])
            elif kind == "approve-lv":
                self._approve(requests[index], "approver-lv")
            elif kind == "pay":
                self._pay(requests[index])
            else:
                self._statement()

    def standstill_tender(self) -> Chapter:
        """Awarded four days ago: the losing bidder may still complain until
        the standstill ends; then the procurement officer signs
        (illustrative)."""
        yield self.ago(72)
        requirement = self._requirement(
            title="Maritime surface drones (illustrative)", code="maritime",
            quantity=120, spec="Illustrative: 800 km range, 300 kg payload.",
            needed_by=self.day_ahead(240), reference="UAF-DEMO-003",
        )  # fmt: skip
        yield self.ago(70)
        tender = self._tender(
            title="Maritime surface drones (illustrative)",
            description="Illustrative: uncrewed surface vessels for the Black Sea.",
            requirements=[requirement],
            lots=[("Maritime surface drones", "maritime", 120, "240000.00",
                   self.day_ahead(60), self.day_ahead(200))],
            clarify=self.ago(60), submit=self.ago(40),
        )  # fmt: skip
        yield self.ago(60, hours=-0.02)
        procurement.tenders_advance_by_deadlines()
        yield self.ago(50)
        winner = self._bid("maker4", tender, 1, "205000.00", 120, "Four batches.")
        yield self.ago(47)
        loser = self._bid("maker3", tender, 1, "228000.00", 120, "Three batches.")
        yield self.ago(39)
        seats = self._committee(tender)
        yield self.ago(30)
        for seat in seats:
            self._score(seat, {winner: 84, loser: 77})
        yield self.ago(8)
        award = self._recommend(tender, 1, winner)
        yield self.ago(4)
        self._approve_award(award, "approver-lv")

    def evaluation_tender(self) -> Chapter:
        """Opened; one evaluator has submitted their scores, the other is
        still scoring (illustrative)."""
        yield self.ago(46)
        requirement = self._requirement(
            title="Portable electronic warfare jammers (illustrative)",
            code="electronic_warfare", quantity=600,
            spec="Illustrative: 20-6000 MHz, 8 hours on one battery.",
            needed_by=self.day_ahead(180), reference="UAF-DEMO-002",
        )  # fmt: skip
        yield self.ago(45)
        tender = self._tender(
            title="Electronic warfare systems (illustrative)",
            description="Illustrative: portable jammers against FPV drones.",
            requirements=[requirement],
            lots=[("Portable EW jammers", "electronic_warfare", 600, "25000.00",
                   self.day_ahead(45), self.day_ahead(150))],
            clarify=self.ago(35), submit=self.ago(14),
        )  # fmt: skip
        yield self.ago(35, hours=-0.02)
        procurement.tenders_advance_by_deadlines()
        bids = []
        for days, username, price in [(25, "maker", "21500.00"),
                                      (22, "maker2", "19900.00"),
                                      (18, "maker3", "23800.00")]:  # fmt: skip
            yield self.ago(days)
            bids.append(self._bid(username, tender, 1, price, 600, "Two batches."))
        yield self.ago(14, hours=-0.02)
        procurement.tenders_advance_by_deadlines()
        yield self.ago(13)
        first, second = self._committee(tender)
        yield self.ago(6)
        self._score(first, dict(zip(bids, (82, 85, 74), strict=True)))
        yield self.ago(2)
        self._score(second, {bids[0]: 80}, submit=False)

    def bidding_tender(self) -> Chapter:
        """Tendering since yesterday: one company has bid; the ``maker`` login
        can still bid (illustrative)."""
        yield self.ago(8)
        requirement = self._requirement(
            title="Interceptor drones against Shahed-type attack drones "
            "(illustrative)", code="interceptor", quantity=3000,
            spec="Illustrative: speed above 250 km/h, thermal seeker, operation "
            "in heavy jamming.", needed_by=self.day_ahead(120),
            reference="UAF-DEMO-001", priority="critical",
        )  # fmt: skip
        yield self.ago(7)
        tender = self._tender(
            title="Interceptor drones 2026 (illustrative)",
            description="Illustrative: interceptors against Shahed-type attack "
            "drones, delivered to Ukraine's Armed Forces in two batches.",
            requirements=[requirement],
            lots=[("Interceptor drones, batch 1", "interceptor", 1500, "6000.00",
                   self.day_ahead(60), self.day_ahead(120))],
            clarify=self.ago(1), submit=self.ahead(14),
        )  # fmt: skip
        yield self.ago(1, hours=-0.02)
        procurement.tenders_advance_by_deadlines()
        yield self.ago(0, hours=20)
        self._bid("maker2", tender, 1, "5400.00", 1500, "Two batches of 750.")

    def clarification_tender(self) -> Chapter:
        """Published three days ago; questions until the day after tomorrow.
        Non-lethal, paid from the non-lethal pool (illustrative)."""
        yield self.ago(4)
        requirement = self._requirement(
            title="Counter-drone detection systems (illustrative)",
            code="counter_drone", quantity=300,
            spec="Illustrative: passive RF detection, 5 km, direction finding.",
            needed_by=self.day_ahead(200), reference="UAF-DEMO-005",
        )  # fmt: skip
        yield self.ago(3)
        tender = self._tender(
            title="Counter-drone detection systems (illustrative)",
            description="Illustrative: passive detection kits for front-line "
            "units; non-lethal.",
            requirements=[requirement],
            lots=[("Passive RF detection kits", "counter_drone", 300, "40000.00",
                   self.day_ahead(45), self.day_ahead(120))],
            clarify=self.ahead(2), submit=self.ahead(24), pool="non-lethal",
        )  # fmt: skip
        yield self.ago(2)
        question = procurement.clarification_ask(
            tender=tender, actor=self.rep("maker"),
            question="May a kit's sensors be delivered ahead of its displays?",
        )  # fmt: skip
        yield self.ago(1)
        procurement.clarification_answer(
            clarification=question, actor=self.u["procurement"],
            answer="Yes, if each batch is complete by the end of its window.",
        )  # fmt: skip

    # ------------------------------------------------------------ the front

    def front_requirements(self) -> Chapter:
        """The 47th Mechanized Brigade states two needs itself (illustrative):
        one the secretariat accepted after asking a question, open for a
        tender; one submitted yesterday, waiting for review."""
        from procurement.models import MilitaryUnit

        enduser = self.u["enduser-ua"]
        officer = self.u["procurement"]
        unit = MilitaryUnit.objects.get(code="UA-47-OMBR")
        yield self.ago(9)
        accepted = procurement.requirement_submit(
            actor=enduser, unit=unit,
            title="Reconnaissance quadcopters with thermal cameras (illustrative)",
            capability=capability("reconnaissance"), quantity=400,
            specification="Illustrative: thermal and day camera, 8 km range, "
            "resistant to GNSS jamming, 40 minutes in the air.",
            priority="high", needed_by=self.day_ahead(150),
            source_reference="47-DEMO-001",
            documents=[ContentFile(DEMO_PDF, name="brigade-request-demo.pdf")],
        )  # fmt: skip
        yield self.ago(8)
        procurement.requirement_ask(
            requirement=accepted, actor=officer,
            question="Do the operators need spare batteries in the same delivery?",
        )  # fmt: skip
        yield self.ago(7)
        procurement.requirement_answer(
            requirement=accepted, actor=enduser,
            answer="Yes: three batteries for each quadcopter.",
        )  # fmt: skip
        yield self.ago(6)
        procurement.requirement_accept(
            requirement=accepted, actor=officer,
            note="Tendered with the next reconnaissance tender.",
        )  # fmt: skip
        yield self.ago(1)
        procurement.requirement_submit(
            actor=enduser, unit=unit,
            title="Interceptor drones against Shahed-type attacks (illustrative)",
            capability=capability("interceptor"), quantity=600,
            specification="Illustrative: speed above 250 km/h, thermal seeker, "
            "launch within 5 minutes of a warning.",
            priority="critical", needed_by=self.day_ahead(90),
            source_reference="47-DEMO-002",
        )  # fmt: skip
