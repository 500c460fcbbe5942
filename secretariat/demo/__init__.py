"""The demo coalition that ``make run`` serves: its history told through the
services on the dates the documents give (``story``, under the ``clock``),
and the periodic tasks run in-process when there is no broker
(``scheduler``)."""
