"""Celery tasks of reports: build one, build the monthly statements, requeue the
stale."""

from celery import shared_task


@shared_task(time_limit=30 * 60, soft_time_limit=29 * 60)
def build_report(report_id: int) -> str | None:
    from secretariat.reports import services as reports

    report = reports.report_build(report_id)
    return report.status if report else None


@shared_task(time_limit=300, soft_time_limit=280)
def build_monthly_statements() -> int:
    """Run by beat on the 1st: the month just ended, for every subscription."""
    from secretariat.reports import services as reports

    return len(reports.monthly_statements_build(reports.previous_month()))


@shared_task(time_limit=120, soft_time_limit=100)
def requeue_stale_reports() -> int:
    from secretariat.reports import services as reports

    return reports.reports_requeue_stale()
