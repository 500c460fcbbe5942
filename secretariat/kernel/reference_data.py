"""Reference data the system cannot work without, created by a migration and kept
in step by ``manage.py seed_demo`` (both idempotent)."""

from django.utils.translation import gettext_noop

ROLES = [
    "administrator",
    "secretariat_officer",
    "procurement_officer",
    "finance_officer",
    "co_lead_approver",
    "evaluator",
    "member_liaison",
    "manufacturer_representative",
    "end_user",
]

# (code, name, lethality, description)
CAPABILITY_CATEGORIES = [
    ("reconnaissance", gettext_noop("Reconnaissance / ISR"), "non_lethal",
     "Intelligence, surveillance and reconnaissance drones."),
    ("strike", gettext_noop("Strike"), "lethal",
     "Strike and loitering-munition drones."),
    ("interceptor", gettext_noop("Interceptor"), "non_lethal",
     "Drones that intercept other unmanned aircraft; defensive."),
    ("maritime", gettext_noop("Maritime"), "lethal",
     "Uncrewed surface and underwater vessels."),
    ("ground_robotic", gettext_noop("Ground robotic"), "lethal",
     "Uncrewed ground vehicles, including armed and logistics variants."),
    ("electronic_warfare", gettext_noop("Electronic warfare"), "non_lethal",
     "Jamming, spoofing and signals intelligence equipment."),
    ("counter_drone", gettext_noop("Counter-drone and detection"), "non_lethal",
     "Detection, tracking and defeat of hostile drones."),
    ("positioning", gettext_noop("Positioning and navigation"), "non_lethal",
     "Navigation, timing and positioning systems resilient to jamming."),
    ("components", gettext_noop("Components"), "non_lethal",
     "Parts for drone production: flight controllers, motors, cameras, radios, "
     "batteries."),
    ("training", gettext_noop("Training"), "non_lethal",
     "Operator training and simulators."),
]  # fmt: skip


def ensure_reference_data(group_model, category_model) -> None:
    for name in ROLES:
        group_model.objects.get_or_create(name=name)
    for position, (code, name, lethality, description) in enumerate(
        CAPABILITY_CATEGORIES, 1
    ):
        category_model.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "lethality": lethality,
                "description": description,
                "position": position,
            },
        )
