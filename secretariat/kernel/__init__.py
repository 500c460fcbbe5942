"""The shared kernel every workflow builds on: who may act (``policy``), cases,
timelines, attachments, roles and the one exception a broken rule raises."""
