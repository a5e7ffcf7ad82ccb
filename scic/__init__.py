"""SCIC membership and funding ledger: the cooperative domain on top of `ledger`."""
