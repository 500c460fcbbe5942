"""Hash chains over the ledger, the timelines and the security log
(``secretariat.kernel.chain``), existing rows chained in id order; role grants
that wait for a second administrator. (Also the report kind "requirements",
added meanwhile by the requirements work.)"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from secretariat.kernel import chain


def chain_existing_rows(apps, schema_editor):
    """Chain the rows written before the chains existed, in id order."""
    connection = schema_editor.connection
    ChainHead = apps.get_model("secretariat", "ChainHead")
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = {ct.pk: f"{ct.app_label}.{ct.model}" for ct in ContentType.objects.all()}

    def timeline_chain(row):
        if row.case_id:
            return f"timeline/case-{row.case_id}"
        return f"timeline/{types[row.subject_type_id]}-{row.subject_id}"

    for model_name, name_of in [
        ("LedgerEntry", lambda row: f"ledger/pool-{row.pool_id}"),
        ("TimelineEvent", timeline_chain),
        ("SecurityEvent", lambda row: "security"),
    ]:
        model = apps.get_model("secretariat", model_name)
        table = model._meta.db_table
        chain.triggers_off(connection, table)
        chain.backfill(model, ChainHead, name_of, using=connection.alias)
        chain.triggers_on(connection, table)


def unchain(apps, schema_editor):
    apps.get_model("secretariat", "ChainHead").objects.exclude(
        chain__startswith="bids/"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("members", "0005_contribution_bank_transfer_once"),
        ("secretariat", "0025_end_users_and_payment_holds"),
    ]

    operations = [
        migrations.CreateModel(
            name="ChainHead",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("chain", models.CharField(max_length=80, unique=True)),
                ("seq", models.PositiveBigIntegerField(default=0)),
                (
                    "head_hash",
                    models.CharField(
                        default="0000000000000000000000000000000000000000000000000000000000000000",
                        max_length=64,
                    ),
                ),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "ordering": ["chain"],
            },
        ),
        migrations.CreateModel(
            name="RoleGrant",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("administrator", "Administrator"),
                            ("secretariat_officer", "Secretariat officer"),
                            ("procurement_officer", "Procurement officer"),
                            ("finance_officer", "Finance officer"),
                            ("co_lead_approver", "Co-lead approver"),
                            ("evaluator", "Evaluator"),
                            ("member_liaison", "Member liaison"),
                            (
                                "manufacturer_representative",
                                "Manufacturer representative",
                            ),
                            ("end_user", "Ukrainian end user"),
                        ],
                        max_length=40,
                        verbose_name="role",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting for a second administrator"),
                            ("confirmed", "Confirmed"),
                            ("refused", "Refused"),
                        ],
                        default="pending",
                        max_length=12,
                        verbose_name="status",
                    ),
                ),
                (
                    "requested_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="requested"
                    ),
                ),
                (
                    "decided_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="decided"),
                ),
            ],
            options={
                "verbose_name": "role grant",
                "verbose_name_plural": "role grants",
                "ordering": ["-requested_at", "-id"],
            },
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="chain",
            field=models.CharField(db_default="", blank=True, editable=False, max_length=80),
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="chain_seq",
            field=models.PositiveBigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="entry_hash",
            field=models.CharField(db_default="", 
                blank=True, db_index=True, editable=False, max_length=64
            ),
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="prev_hash",
            field=models.CharField(db_default="", blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="securityevent",
            name="chain",
            field=models.CharField(db_default="", blank=True, editable=False, max_length=80),
        ),
        migrations.AddField(
            model_name="securityevent",
            name="chain_seq",
            field=models.PositiveBigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="securityevent",
            name="entry_hash",
            field=models.CharField(db_default="", 
                blank=True, db_index=True, editable=False, max_length=64
            ),
        ),
        migrations.AddField(
            model_name="securityevent",
            name="prev_hash",
            field=models.CharField(db_default="", blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="timelineevent",
            name="chain",
            field=models.CharField(db_default="", blank=True, editable=False, max_length=80),
        ),
        migrations.AddField(
            model_name="timelineevent",
            name="chain_seq",
            field=models.PositiveBigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="timelineevent",
            name="entry_hash",
            field=models.CharField(db_default="", 
                blank=True, db_index=True, editable=False, max_length=64
            ),
        ),
        migrations.AddField(
            model_name="timelineevent",
            name="prev_hash",
            field=models.CharField(db_default="", blank=True, editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="securityevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("login", "Signed in"),
                    ("login_failed", "Sign-in failed"),
                    ("logout", "Signed out"),
                    ("permission_denied", "Permission denied"),
                    ("business_rule_refused", "Business rule refused"),
                    ("password_changed", "Password changed"),
                    ("password_reset_requested", "Password reset requested"),
                    ("locked_out", "Locked out after failed sign-ins"),
                    ("unlocked", "Sign-in lockout lifted"),
                    ("two_factor_enrolled", "Second factor set up"),
                    ("two_factor_verified", "Second factor verified"),
                    ("two_factor_failed", "Second factor refused"),
                    ("two_factor_reset", "Second factor removed"),
                    ("reauthenticated", "Confirmed with a second factor"),
                    ("role_grant_requested", "Role grant requested"),
                    ("role_grant_confirmed", "Role grant confirmed"),
                    ("role_grant_refused", "Role grant refused"),
                    ("role_granted", "Role given"),
                    ("role_removed", "Role removed"),
                    ("integrity_broken", "Records no longer match their hashes"),
                ],
                max_length=40,
                verbose_name="event",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("step_assigned", "Onboarding step assigned to you"),
                    ("step_overdue", "Onboarding step overdue"),
                    ("document_uploaded", "Document uploaded by a liaison"),
                    ("disbursement_to_check", "Disbursement awaiting check"),
                    ("disbursement_to_approve", "Disbursement awaiting approval"),
                    ("disbursement_returned", "Disbursement returned"),
                    ("disbursement_rejected", "Disbursement rejected"),
                    ("disbursement_paid", "Payment made"),
                    ("tender_published", "Tender published"),
                    ("clarification_answered", "Clarification answered"),
                    ("deadline_approaching", "Deadline approaching"),
                    ("bids_opened", "Bids opened"),
                    ("scores_awaited", "Evaluation awaiting your scores"),
                    ("award_decided", "Award and standstill"),
                    ("complaint_filed", "Complaint filed"),
                    ("delivery_to_accept", "Delivery awaiting acceptance"),
                    ("report_ready", "Report ready"),
                    ("role_grant_to_confirm", "Role grant awaiting confirmation"),
                    ("integrity_broken", "Records no longer match their hashes"),
                ],
                max_length=30,
            ),
        ),
        migrations.AlterField(
            model_name="notificationfanout",
            name="kind",
            field=models.CharField(
                choices=[
                    ("step_assigned", "Onboarding step assigned to you"),
                    ("step_overdue", "Onboarding step overdue"),
                    ("document_uploaded", "Document uploaded by a liaison"),
                    ("disbursement_to_check", "Disbursement awaiting check"),
                    ("disbursement_to_approve", "Disbursement awaiting approval"),
                    ("disbursement_returned", "Disbursement returned"),
                    ("disbursement_rejected", "Disbursement rejected"),
                    ("disbursement_paid", "Payment made"),
                    ("tender_published", "Tender published"),
                    ("clarification_answered", "Clarification answered"),
                    ("deadline_approaching", "Deadline approaching"),
                    ("bids_opened", "Bids opened"),
                    ("scores_awaited", "Evaluation awaiting your scores"),
                    ("award_decided", "Award and standstill"),
                    ("complaint_filed", "Complaint filed"),
                    ("delivery_to_accept", "Delivery awaiting acceptance"),
                    ("report_ready", "Report ready"),
                    ("role_grant_to_confirm", "Role grant awaiting confirmation"),
                    ("integrity_broken", "Records no longer match their hashes"),
                ],
                max_length=30,
            ),
        ),
        migrations.AlterField(
            model_name="notificationpreference",
            name="kind",
            field=models.CharField(
                choices=[
                    ("step_assigned", "Onboarding step assigned to you"),
                    ("step_overdue", "Onboarding step overdue"),
                    ("document_uploaded", "Document uploaded by a liaison"),
                    ("disbursement_to_check", "Disbursement awaiting check"),
                    ("disbursement_to_approve", "Disbursement awaiting approval"),
                    ("disbursement_returned", "Disbursement returned"),
                    ("disbursement_rejected", "Disbursement rejected"),
                    ("disbursement_paid", "Payment made"),
                    ("tender_published", "Tender published"),
                    ("clarification_answered", "Clarification answered"),
                    ("deadline_approaching", "Deadline approaching"),
                    ("bids_opened", "Bids opened"),
                    ("scores_awaited", "Evaluation awaiting your scores"),
                    ("award_decided", "Award and standstill"),
                    ("complaint_filed", "Complaint filed"),
                    ("delivery_to_accept", "Delivery awaiting acceptance"),
                    ("report_ready", "Report ready"),
                    ("role_grant_to_confirm", "Role grant awaiting confirmation"),
                    ("integrity_broken", "Records no longer match their hashes"),
                ],
                max_length=30,
            ),
        ),
        migrations.AlterField(
            model_name="report",
            name="kind",
            field=models.CharField(
                choices=[
                    ("fund_statement", "Fund statement"),
                    ("tender_pipeline", "Tender pipeline"),
                    ("deliveries", "Deliveries to Ukraine"),
                    ("onboarding", "Onboarding status"),
                    ("ledger", "Ledger export"),
                    ("requirements", "Requirements from request to receipt"),
                ],
                max_length=20,
                verbose_name="report",
            ),
        ),
        migrations.AlterField(
            model_name="reportsubscription",
            name="kind",
            field=models.CharField(
                choices=[
                    ("fund_statement", "Fund statement"),
                    ("tender_pipeline", "Tender pipeline"),
                    ("deliveries", "Deliveries to Ukraine"),
                    ("onboarding", "Onboarding status"),
                    ("ledger", "Ledger export"),
                    ("requirements", "Requirements from request to receipt"),
                ],
                max_length=20,
                verbose_name="report",
            ),
        ),
        migrations.RunPython(chain_existing_rows, unchain),
        migrations.AddConstraint(
            model_name="ledgerentry",
            constraint=models.UniqueConstraint(
                fields=("chain", "chain_seq"), name="ledger_chain_seq"
            ),
        ),
        migrations.AddConstraint(
            model_name="securityevent",
            constraint=models.UniqueConstraint(
                fields=("chain", "chain_seq"), name="security_event_chain_seq"
            ),
        ),
        migrations.AddConstraint(
            model_name="timelineevent",
            constraint=models.UniqueConstraint(
                fields=("chain", "chain_seq"), name="timeline_chain_seq"
            ),
        ),
        migrations.AddField(
            model_name="rolegrant",
            name="decided_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="decided by",
            ),
        ),
        migrations.AddField(
            model_name="rolegrant",
            name="requested_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="requested by",
            ),
        ),
        migrations.AddField(
            model_name="rolegrant",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="role_grants",
                to=settings.AUTH_USER_MODEL,
                verbose_name="person",
            ),
        ),
        migrations.AddConstraint(
            model_name="rolegrant",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "pending")),
                fields=("user", "role"),
                name="role_grant_one_pending",
            ),
        ),
    ]
