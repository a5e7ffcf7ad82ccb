"""The accountant's year: fiscal years and their closing, the PCG journal, the FEC export,
surplus allocation and interest on shares (DOMAIN.md R8, R9, R16, R17)."""
