from django.urls import path

from procurement import views
from procurement.views import opening, receipts
from procurement.views.open_data import open_data_policy

app_name = "procurement"

urlpatterns = [
    path(
        "ocds/tenders/<str:reference>.json",
        views.ocds_release_package,
        name="ocds_release_package",
    ),
    path(
        "ocds/tenders/<str:reference>/record.json",
        views.ocds_record_package,
        name="ocds_record_package",
    ),
    # Every published tender's releases, a page at a time (?cursor=).
    path("ocds/tenders.json", views.ocds_bulk_package, name="ocds_bulk_package"),
    # The open data's publication policy (the packages' publicationPolicy), public.
    path(
        "open-data/policy/",
        open_data_policy,
        name="open_data_policy",
    ),
    # Requirements of Ukraine's Armed Forces
    path("requirements/", views.requirement_list, name="requirement_list"),
    path("requirements/new/", views.requirement_create, name="requirement_create"),
    # Submitted by one of Ukraine's units, then reviewed by the secretariat.
    path("requirements/submit/", views.requirement_submit, name="requirement_submit"),
    path(
        "requirements/<str:reference>/<str:move>/",
        views.requirement_move,
        name="requirement_move",
    ),
    # By its reference (REQ-00012) or its number (12).
    path("requirements/<str:reference>/", views.requirement_detail, name="requirement"),
    # Manufacturers
    path("manufacturers/", views.manufacturer_list, name="manufacturer_list"),
    path(
        "manufacturers/new/",
        views.manufacturer_nominate,
        name="manufacturer_nominate",
    ),
    path("manufacturers/<int:pk>/", views.manufacturer_detail, name="manufacturer"),
    path(
        "manufacturers/<int:pk>/vetting/<str:to_status>/",
        views.manufacturer_vet,
        name="manufacturer_vet",
    ),
    path(
        "manufacturers/<int:pk>/supply-chain/",
        views.manufacturer_supply_chain,
        name="manufacturer_supply_chain",
    ),
    path(
        "manufacturers/<int:pk>/tests/new/",
        views.manufacturer_test_record,
        name="manufacturer_test_record",
    ),
    path(
        "manufacturers/<int:pk>/bank-account/",
        views.manufacturer_bank_account,
        name="manufacturer_bank_account",
    ),
    path(
        "manufacturers/<int:pk>/representatives/invite/",
        views.representative_invite,
        name="representative_invite",
    ),
    path(
        "manufacturers/<int:pk>/representatives/<int:user_id>/deactivate/",
        views.representative_deactivate,
        name="representative_deactivate",
    ),
    # Tenders
    path("tenders/", views.tender_list, name="tender_list"),
    path("tenders/new/", views.tender_create, name="tender_create"),
    path("tenders/<str:reference>/", views.tender_detail, name="tender"),
    path("tenders/<str:reference>/edit/", views.tender_edit, name="tender_edit"),
    path("tenders/<str:reference>/lots/new/", views.lot_add, name="lot_add"),
    path(
        "tenders/<str:reference>/committee/new/",
        views.committee_appoint,
        name="committee_appoint",
    ),
    # The opening committee: named on the draft, accepted by each member,
    # a member replaced and a share re-issued before the opening.
    path(
        "tenders/<str:reference>/opening-committee/",
        opening.opening_committee_name,
        name="opening_committee_name",
    ),
    path(
        "tenders/<str:reference>/opening-committee/replace/",
        opening.opener_replace,
        name="opener_replace",
    ),
    path(
        "tenders/<str:reference>/opening-committee/reissue/",
        opening.opener_reissue,
        name="opener_reissue",
    ),
    path(
        "opening-committee/<int:pk>/accept/",
        opening.opener_accept,
        name="opener_accept",
    ),
    path(
        "tenders/<str:reference>/clarifications/new/",
        views.clarification_ask,
        name="clarification_ask",
    ),
    path(
        "tenders/<str:reference>/clarifications/<int:pk>/answer/",
        views.clarification_answer,
        name="clarification_answer",
    ),
    path(
        "tenders/<str:reference>/lots/<int:number>/bid/",
        views.bid_submit,
        name="bid_submit",
    ),
    path(
        "tenders/<str:reference>/lots/<int:number>/award/",
        views.award_recommend,
        name="award_recommend",
    ),
    *[
        path(
            f"tenders/<str:reference>/{action.replace('_', '-')}/",
            views.tender_action,
            {"action": action},
            name=f"tender_{action}",
        )
        for action in views.TENDER_ACTIONS
    ],
    # Integrity red flags over every tender
    path("red-flags/", views.red_flag_list, name="red_flags"),
    # Sealed bids
    path("bids/", views.bid_list, name="bid_list"),
    # Bids by their public id: the integer pk would count the bids.
    path("bids/<uuid:public_id>/", views.bid_detail, name="bid"),
    path("bids/<uuid:public_id>/change/", views.bid_change, name="bid_change"),
    path("bids/<uuid:public_id>/withdraw/", views.bid_withdraw, name="bid_withdraw"),
    path(
        "bids/<uuid:public_id>/documents/<int:index>/",
        views.bid_document,
        name="bid_document",
    ),
    # Awards, complaints, contracts, deliveries
    path("awards/<int:pk>/approve/", views.award_approve, name="award_approve"),
    path(
        "awards/<int:pk>/complaints/new/",
        views.complaint_file,
        name="complaint_file",
    ),
    path("awards/<int:pk>/contract/", views.contract_sign, name="contract_sign"),
    path(
        "complaints/<int:pk>/decide/",
        views.complaint_decide,
        name="complaint_decide",
    ),
    path("contracts/", views.contract_list, name="contract_list"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract"),
    path(
        "contracts/<int:pk>/deliveries/new/",
        views.delivery_report,
        name="delivery_report",
    ),
    path(
        "deliveries/<int:pk>/decide/",
        views.delivery_decide,
        name="delivery_decide",
    ),
    # Receipt at the handover, discrepancies, field reports
    path("deliveries/", receipts.delivery_list, name="delivery_list"),
    path("deliveries/<int:pk>/", receipts.delivery_detail, name="delivery"),
    path(
        "deliveries/<int:pk>/receipt/",
        receipts.receipt_confirm,
        name="receipt_confirm",
    ),
    path(
        "deliveries/<int:pk>/field-reports/new/",
        receipts.field_report_file,
        name="field_report_file",
    ),
    path("discrepancies/", receipts.discrepancy_list, name="discrepancy_list"),
    path(
        "discrepancies/<str:reference>/",
        receipts.discrepancy_detail,
        name="discrepancy",
    ),
    path(
        "discrepancies/<str:reference>/resolve/",
        receipts.discrepancy_resolve,
        name="discrepancy_resolve",
    ),
    path("field-reports/", receipts.field_report_list, name="field_report_list"),
    path("field-reports/<int:pk>/", receipts.field_report_detail, name="field_report"),
    # Evaluation
    path("evaluation/", views.evaluation_queue, name="evaluation_queue"),
    path("evaluation/<int:pk>/", views.evaluation_detail, name="evaluation"),
    path(
        "evaluation/<int:pk>/declare/",
        views.evaluation_declare,
        name="evaluation_declare",
    ),
    path(
        "evaluation/<int:pk>/bids/<uuid:bid_id>/score/",
        views.evaluation_score,
        name="evaluation_score",
    ),
    path(
        "evaluation/<int:pk>/scores/",
        views.evaluation_scores,
        name="evaluation_scores",
    ),
    path(
        "evaluation/<int:pk>/submit/",
        views.evaluation_submit,
        name="evaluation_submit",
    ),
]
