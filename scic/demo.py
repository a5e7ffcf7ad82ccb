"""Demo data for `scic serve --demo`."""

from __future__ import annotations

from scic.service import Service


def seed_demo(service: Service) -> str:
    return "demo cooperative: not much yet (the membership domain comes next)"
