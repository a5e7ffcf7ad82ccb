"""Projection tables (query views folded from events); rebuilt from events at will."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()
