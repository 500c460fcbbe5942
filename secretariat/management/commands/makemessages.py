"""Django's makemessages, also reading ``_l(...)``: modules that use both
``gettext`` and ``gettext_lazy`` import the lazy one as ``_l``, which xgettext
does not know by itself (``refresh_catalogues`` and ``make messages`` run this)."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_l"]
